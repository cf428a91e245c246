import type { ComponentChildren, FunctionComponent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { lang, t } from '../i18n';
import { errorText } from '../i18n/errors';
import { isLocked, mayDelete, type Finding } from './finding';
import type { User } from '../app/api-types';
import { NoticeItem, Screen } from '../app/common';
import { me, memberName, notices, ready } from '../app/data';
import { dateTime, day } from '../app/format';
import { categoryLabel, statusLabel } from '../app/labels';
import { goBack, leave, navigate, route } from '../app/state';
import { addComment, comments, deleteFinding, findings } from './store';
import { PhotoStrip } from '../photos/Photos';
import { StateChips } from './List';
import { ConflictList } from '../conflicts/Badge';
import { conflictsOf } from '../conflicts/store';
import { unitById } from '../app/site';
import { unitLabel } from '../app/units';

// The state actions and the history load with the first finding page opened (not in the first load).
type Lazy = typeof import('./actions/Actions');
let lazy: Lazy | null = null;

function useActions(): Lazy | null {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!lazy) void import('./actions/Actions').then((m) => ((lazy = m), setTick((n) => n + 1)));
  }, []);
  return lazy;
}

function siteName(user: User, id: number | null): string {
  if (id === null) return '';
  return user.sites.find((s) => s.id === String(id))?.name ?? `#${id}`;
}

function Field({ label, children, testid }: { label: string; children: ComponentChildren; testid?: string }) {
  return (
    <div class="kv">
      <dt>{label}</dt>
      <dd data-testid={testid}>{children || <span class="muted">{t('value.empty')}</span>}</dd>
    </div>
  );
}

export function FindingDetail({ user, id }: { user: User; id: string }) {
  const f = findings.value.find((x) => x.id === id) ?? null;
  const mine = notices.value.filter(
    (n) => n.record_id === id || (n.collection === 'finding_comments' && n.args.finding_id === id),
  );
  const back = () => goBack('findings');
  if (!f) {
    return (
      <Screen title={t('finding.title')} back={back}>
        {mine.length > 0 && (
          <ul class="notices">
            {mine.map((n) => (
              <NoticeItem key={n.id} n={n} />
            ))}
          </ul>
        )}
        <p class="muted" data-testid="finding-missing">
          {ready.value ? t('finding.missing') : t('common.loading')}
        </p>
      </Screen>
    );
  }
  return (
    <Screen title={t('finding.title')} back={back}>
      <Body user={user} f={f} />
      <Later f={f} />
      {mine.length > 0 && (
        <ul class="notices" aria-label={t('sync.notices')}>
          {mine.map((n) => (
            <NoticeItem key={n.id} n={n} />
          ))}
        </ul>
      )}
      {conflictsOf('findings', f.id).length > 0 && (
        <section class="card" aria-label={t('sync.conflicts_title')}>
          <h2>{t('sync.conflicts_title')}</h2>
          <ConflictList list={conflictsOf('findings', f.id)} testid="finding-conflicts" />
        </section>
      )}
      <Comments findingId={f.id} />
    </Screen>
  );
}

function unitShown(id: number | null): string {
  const u = unitById(id);
  return u ? unitLabel(u) : id === null ? '' : t('unit.number_only', { id });
}

function Later({ f }: { f: Finding }) {
  const m = useActions();
  if (!m) return null;
  const Actions: FunctionComponent<{ f: Finding }> = m.FindingActions;
  return (
    <>
      <Actions f={f} />
      <m.FindingHistory f={f} reporter={memberName(f.created_by)} />
    </>
  );
}

function Body({ user, f }: { user: User; f: Finding }) {
  const l = lang.value;
  const locked = isLocked(f);
  const actor = { id: me.value, roles: user.roles };
  const rejected = notices.value.some((n) => n.kind === 'rejected' && n.collection === 'findings' && n.record_id === f.id);
  async function remove() {
    if (!confirm(t('finding.delete_confirm'))) return;
    const here = route.value;
    await deleteFinding(f.id);
    leave(here, 'findings');
  }
  return (
    <section class="card" data-testid="finding-detail" data-id={f.id} data-status={f.status}>
      <div class="row-top">
        <span class={`chip status-${f.status}`} data-testid="finding-detail-status">
          {statusLabel(f.status)}
        </span>
        <span class="row-cat">{categoryLabel(f.category)}</span>
        <StateChips pending={f.pending} rejected={rejected} />
      </div>
      <p class="detail-desc" data-testid="finding-detail-description">
        {f.description || <span class="muted">{t('finding.no_description')}</span>}
      </p>
      <dl class="kvs">
        <Field label={t('finding.field.site_id')}>{siteName(user, f.site_id)}</Field>
        <Field label={t('finding.field.unit_id')} testid="finding-detail-unit">
          {unitShown(f.unit_id)}
        </Field>
        <Field label={t('finding.field.location')} testid="finding-detail-location">
          {f.location}
        </Field>
        <Field label={t('finding.field.assignee_id')} testid="finding-detail-assignee">
          {memberName(f.assignee_id)}
        </Field>
        <Field label={t('finding.field.due_date')}>{day(f.due_date, l)}</Field>
        <Field label={t('finding.field.photos')} testid="finding-detail-photos">
          {f.photos.length ? <PhotoStrip hashes={f.photos} /> : ''}
        </Field>
        <Field label={t('finding.field.fix_note')} testid="finding-detail-fix-note">
          {f.fix_note}
        </Field>
        <Field label={t('finding.field.fix_photos')} testid="finding-detail-fix-photos">
          {f.fix_photos.length ? <PhotoStrip hashes={f.fix_photos} /> : ''}
        </Field>
        <Field label={t('finding.field.created_by')}>{memberName(f.created_by)}</Field>
        <Field label={t('finding.field.created_at')}>{dateTime(f.created_at, l)}</Field>
      </dl>
      {locked && <p class="notice">{t('finding.locked')}</p>}
      <div class="actions">
        <button
          type="button"
          class="btn btn-primary"
          disabled={locked}
          onClick={() => navigate({ name: 'finding-edit', id: f.id })}
          data-testid="finding-edit"
        >
          {t('finding.edit')}
        </button>
        {mayDelete(actor) && (
          <button type="button" class="btn btn-danger" onClick={() => void remove()} data-testid="finding-delete">
            {t('finding.delete')}
          </button>
        )}
      </div>
    </section>
  );
}

function Comments({ findingId }: { findingId: string }) {
  const [body, setBody] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const l = lang.value;
  const list = comments.value
    .filter((c) => c.finding_id === findingId)
    .sort((a, b) => (a.created_at ?? '').localeCompare(b.created_at ?? '') || a.id.localeCompare(b.id));
  async function submit(e: Event) {
    e.preventDefault();
    const text = body.trim();
    if (text === '' || busy) return;
    setBusy(true);
    setError(null);
    try {
      await addComment(findingId, text);
      setBody('');
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <section class="card" aria-labelledby="comments-h">
      <h2 id="comments-h">{t('comments.title')}</h2>
      {list.length === 0 ? (
        <p class="muted">{t('comments.empty')}</p>
      ) : (
        <ul class="comments">
          {list.map((c) => (
            <li key={c.id} data-testid="comment" data-id={c.id}>
              <p class="comment-meta">
                <strong>{memberName(c.author_id)}</strong> · {dateTime(c.created_at, l)}
                {c.pending > 0 && <span class="chip chip-pending">{t('common.pending')}</span>}
              </p>
              <p class="comment-body">{c.body}</p>
            </li>
          ))}
        </ul>
      )}
      <form class="form" onSubmit={submit}>
        <label for="comment-body">{t('comments.add_label')}</label>
        <textarea
          id="comment-body"
          rows={3}
          maxLength={2000}
          value={body}
          onInput={(e) => setBody(e.currentTarget.value)}
          data-testid="comment-body"
        />
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="btn btn-primary" disabled={busy || body.trim() === ''} data-testid="comment-add">
          {t('comments.add')}
        </button>
      </form>
    </section>
  );
}
