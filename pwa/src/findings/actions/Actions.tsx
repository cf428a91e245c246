// A finding's state actions (assign, accept, fix, verify, close, reopen: only those the
// person may take now, predicted; the server decides) and its history. Loaded
// when a finding's page opens, not in the first load.
import './texts';
import { useEffect, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { t } from '../../i18n';
import { errorText } from '../../i18n/errors';
import { members, notices, refreshMembers } from '../../app/data';
import { actor, unitById } from '../../app/site';
import { online } from '../../app/state';
import { fieldLabel, valueText } from '../../app/labels';
import { unitText, when } from '../../app/ui';
import { api } from '../../sync/api';
import type { NewPhoto } from '../../db/local';
import { PhotoPicker } from '../../photos/Photos';
import type { Finding, Intent } from '../finding';
import { allowedIntents, closeNeedsReason, fixRefusal, FIX_PHOTO_CATEGORIES } from '../rules';
import { findingIntent } from '../store';

type FieldError = { field: string; text: string } | null;

function FieldErrorText({ error, field }: { error: FieldError; field: string }) {
  if (!error || error.field !== field) return null;
  return (
    <p class="error" role="alert" data-testid={`action-error-${field}`}>
      {error.text}
    </p>
  );
}

/** The newest refusal of one of this finding's state steps, as its field's error. */
function serverRefusal(findingId: string): FieldError {
  const refused = notices.value.filter(
    (n) => n.kind === 'rejected' && n.record_id === findingId && n.name !== 'findings.upsert' && n.name.startsWith('findings.'),
  );
  const n = refused[refused.length - 1];
  if (!n) return null;
  return { field: n.field ?? 'general', text: errorText({ code: n.code, message: n.message, args: n.error_args }) };
}

export function FindingActions({ f }: { f: Finding }) {
  const a = actor.value;
  const allowed = allowedIntents(a, f);
  const [assignee, setAssignee] = useState(f.assignee_id === null ? '' : String(f.assignee_id));
  const [note, setNote] = useState('');
  const [reason, setReason] = useState('');
  const [added, setAdded] = useState<ReadonlyMap<string, NewPhoto>>(new Map());
  const [processing, setProcessing] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<FieldError>(null);
  const [done, setDone] = useState<string | null>(null);
  const site = f.site_id === null ? null : String(f.site_id);
  const staff = site ? members.value.get(site) ?? [] : [];
  useEffect(() => {
    if (site && !members.value.has(site) && online.value) void refreshMembers([site]);
  }, [site]);
  const shown = error ?? (done ? null : serverRefusal(f.id));
  const fixPhotos = [...added.keys()];

  async function act(intent: Intent, args: Record<string, unknown>, photos: NewPhoto[] = []) {
    if (busy || processing > 0) return;
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      await findingIntent(f.id, intent, args, photos);
      setDone(t(`factions.done.${intent}`) + (online.value ? '' : ` ${t('factions.offline')}`));
      setNote('');
      setReason('');
      setAdded(new Map());
    } catch (err) {
      setError({ field: 'general', text: errorText(err) });
    } finally {
      setBusy(false);
    }
  }

  function fix() {
    const why = fixRefusal(f, note, fixPhotos);
    if (why) {
      setDone(null);
      setError({ field: why.field, text: errorText({ code: why.code }) });
      return;
    }
    void act('fix', { fix_note: note.trim(), ...(fixPhotos.length ? { fix_photos: fixPhotos } : {}) }, [...added.values()]);
  }

  function withReason(intent: 'close' | 'reopen') {
    if ((intent === 'reopen' || closeNeedsReason(f)) && reason.trim() === '') {
      setDone(null);
      setError({ field: 'reason', text: errorText({ code: 'reason_required' }) });
      return;
    }
    void act(intent, { reason: reason.trim() });
  }

  const needsReason = allowed.includes('reopen') || allowed.includes('close');
  return (
    <section class="card form" aria-labelledby="factions-h" data-testid="finding-actions">
      <h2 id="factions-h">{t('factions.title')}</h2>
      {f.close_reason && f.status === 'closed' && <p class="muted">{t('factions.close_reason_shown', { reason: f.close_reason })}</p>}
      {f.reopen_reason && (f.status === 'open' || f.status === 'assigned') && (
        <p class="muted" data-testid="finding-reopen-reason">
          {t('factions.reopen_reason_shown', { reason: f.reopen_reason })}
        </p>
      )}
      {done && (
        <p class="muted hint" role="status" data-testid="action-done">
          {done}
        </p>
      )}
      <FieldErrorText error={shown} field="general" />
      {allowed.length === 0 && <p class="muted">{t('factions.none')}</p>}

      {allowed.includes('assign') && (
        <>
          <label for="fa-assignee">{t('factions.assignee')}</label>
          <select id="fa-assignee" value={assignee} onChange={(e) => setAssignee(e.currentTarget.value)} data-testid="action-assignee">
            <option value="">{t('common.choose')}</option>
            {staff.map((m) => (
              <option key={m.id} value={String(m.id)}>
                {m.display_name || m.username}
              </option>
            ))}
          </select>
          <FieldErrorText error={shown} field="assignee_id" />
          <button
            type="button"
            class="btn btn-primary btn-block"
            disabled={busy}
            onClick={() => {
              if (assignee === '' || Number(assignee) === f.assignee_id) {
                setError({ field: 'assignee_id', text: t('factions.choose_assignee') });
                return;
              }
              void act('assign', { assignee_id: Number(assignee) });
            }}
            data-testid="action-assign"
          >
            {f.status === 'assigned' ? t('factions.reassign') : t('factions.assign')}
          </button>
        </>
      )}

      {allowed.includes('accept') && (
        <button type="button" class="btn btn-primary btn-block" disabled={busy} onClick={() => void act('accept', {})} data-testid="action-accept">
          {t('factions.accept')}
        </button>
      )}

      {allowed.includes('fix') && (
        <>
          <label for="fa-note">{fieldLabel('fix_note')} *</label>
          <textarea id="fa-note" rows={3} maxLength={2000} value={note} onInput={(e) => setNote(e.currentTarget.value)} data-testid="action-fix-note" />
          <FieldErrorText error={shown} field="fix_note" />
          <span class="field-label">
            {fieldLabel('fix_photos')}
            {FIX_PHOTO_CATEGORIES.has(f.category) && ' *'}
          </span>
          {FIX_PHOTO_CATEGORIES.has(f.category) && <p class="muted hint">{t('factions.fix_photos_needed')}</p>}
          <PhotoPicker
            hashes={fixPhotos}
            added={added}
            onAdd={(p) => setAdded((prev) => new Map(prev).set(p.hash, p))}
            onRemove={(h) =>
              setAdded((prev) => {
                const next = new Map(prev);
                next.delete(h);
                return next;
              })
            }
            onBusy={(d) => setProcessing((n) => n + d)}
            inputTestId="action-fix-photo-input"
            galleryTestId="action-fix-photo-gallery-input"
          />
          <FieldErrorText error={shown} field="fix_photos" />
          <button type="button" class="btn btn-primary btn-block" disabled={busy || processing > 0} onClick={fix} data-testid="action-fix">
            {t('factions.fix')}
          </button>
        </>
      )}

      {allowed.includes('verify') && (
        <button type="button" class="btn btn-primary btn-block" disabled={busy} onClick={() => void act('verify', {})} data-testid="action-verify">
          {t('factions.verify')}
        </button>
      )}

      {needsReason && (
        <>
          <label for="fa-reason">{allowed.includes('reopen') && !allowed.includes('close') ? t('factions.reopen_reason') : t('factions.close_reason')}</label>
          <textarea id="fa-reason" rows={2} maxLength={2000} value={reason} onInput={(e) => setReason(e.currentTarget.value)} data-testid="action-reason" />
          <FieldErrorText error={shown} field="reason" />
          <div class="actions">
            {allowed.includes('close') && (
              <button type="button" class="btn btn-light-outline" disabled={busy} onClick={() => withReason('close')} data-testid="action-close">
                {t('factions.close')}
              </button>
            )}
            {allowed.includes('reopen') && (
              <button type="button" class="btn btn-light-outline" disabled={busy} onClick={() => withReason('reopen')} data-testid="action-reopen">
                {t('factions.reopen')}
              </button>
            )}
          </div>
        </>
      )}
    </section>
  );
}

// ---- history ------------------------------------------------------------------------------

interface Change {
  at: string;
  by_id: number;
  by: string;
  field: string;
  before: unknown;
  after: unknown;
}

function shownValue(field: string, v: unknown): string {
  if (typeof v === 'number' && (field === 'photos' || field === 'fix_photos')) return t('history.photos', { n: v });
  if (field === 'unit_id' && typeof v === 'number') return unitText(unitById(v), v);
  return valueText(field, v);
}

function Line({ at, children }: { at: string | null; children: ComponentChildren }) {
  return (
    <li data-testid="history-line">
      <span class="ledger-when">{when(at)}</span> {children}
    </li>
  );
}

/** Who changed which field when (GET /api/findings/{id}/history; online only). */
export function FindingHistory({ f, reporter }: { f: Finding; reporter: string }) {
  const [changes, setChanges] = useState<Change[] | null>(null);
  const [failed, setFailed] = useState(false);
  const isOnline = online.value;
  // Fetched again when the finding's revision moves (a step synced) or the network comes back.
  useEffect(() => {
    if (!isOnline || f.revision === null) return;
    let live = true;
    api.get<Change[]>(`/api/findings/${encodeURIComponent(f.id)}/history`).then(
      (c) => live && (setChanges(c), setFailed(false)),
      () => live && setFailed(true),
    );
    return () => {
      live = false;
    };
  }, [f.id, f.revision, isOnline]);
  return (
    <section class="card" aria-labelledby="history-h" data-testid="finding-history">
      <h2 id="history-h">{t('history.title')}</h2>
      <ol class="ledger">
        <Line at={f.created_at}>{t('history.reported', { who: reporter })}</Line>
        {(changes ?? []).map((c, i) => (
          <Line key={i} at={c.at}>
            {t('history.changed', {
              who: c.by,
              field: fieldLabel(c.field),
              from: shownValue(c.field, c.before),
              to: shownValue(c.field, c.after),
            })}
          </Line>
        ))}
      </ol>
      {!isOnline && changes === null && <p class="muted hint">{t('history.offline')}</p>}
      {failed && <p class="muted hint">{t('history.failed')}</p>}
    </section>
  );
}
