// 审核: the supervisor's queue (submitted patrols of my sites, oldest first)
// and one patrol on one screen (checklist, readings, photos, the findings it
// raised) with approve / reject. The decision carries the revision it was shown
// (kept out of sight: internal numbers are not for people);
// a refusal (stale_review, self_review …) comes back translated as a notice.
import { useState } from 'preact/hooks';
import './texts';
import type { User } from '../app/api-types';
import { Link, NoticeItem, Screen } from '../app/common';
import { memberName, notices, ready } from '../app/data';
import { siteName, unitById } from '../app/site';
import { goBack, leave, route } from '../app/state';
import { BySite, Kv, PendingChip, RecordNotices, unitText, when } from '../app/ui';
import { findings } from '../findings/store';
import { t } from '../i18n';
import { errorText } from '../i18n/errors';
import { itemLabel, PatrolStatusChip, patrolStatusText, templateName } from '../patrols/labels';
import { lastReadings, METER_UNITS, METERS, readingWarning, type Patrol } from '../patrols/patrol';
import { patrols, templates } from '../patrols/store';
import { PhotoStrip } from '../photos/Photos';
import { reviewQueue, reviewRefusal, type Decision, type Reviewer } from './review';
import { review } from './store';
import { ShiftQueue } from './ShiftReview';
import { InspectionQueue, InspectionReview, inspectionQueue } from './inspections';
import { inspections } from '../vendors/store';

function reviewer(user: User, id: number | null): Reviewer {
  return { id, roles: user.roles, site_ids: user.sites.map((s) => s.id) };
}

export function ReviewQueue({ user, me }: { user: User; me: number | null }) {
  const queue = reviewQueue(patrols.value, reviewer(user, me));
  const waitingInspections = inspectionQueue(inspections.value, user, me).length;
  // All my sites at once: the queue is grouped under site names.
  const grouped = user.sites.length > 1;
  // Reviews the server refused (stale_review: the author changed the record meanwhile …).
  const refused = notices.value.filter((n) => n.name.startsWith('review.'));
  return (
    <Screen title={t('review.title')}>
      {refused.length > 0 && (
        <ul class="notices">
          {refused.map((n) => (
            <NoticeItem key={n.id} n={n} />
          ))}
        </ul>
      )}
      <section class="card" data-testid="review-queue">
        <h2>
          {t('review.waiting')} <span class="muted">({queue.length})</span>
        </h2>
        {queue.length === 0 ? (
          // Nothing to review only when no vendor inspection waits either (listed below).
          !waitingInspections && <p class="muted">{ready.value ? t('review.empty') : t('common.loading')}</p>
        ) : (
          <BySite list={queue} siteOf={(p) => p.site_id} grouped={grouped}>
            {(items) => (
              <ul class="rows">
                {items.map((p) => {
                  const failed = Object.values(p.items).filter((i) => i.result === 'fail').length;
                  return (
                    <li key={p.id}>
                      <Link to={{ name: 'review-item', id: p.id }} class="row" attrs={{ 'data-testid': 'review-item', 'data-id': p.id }}>
                        <span class="row-top">
                          <span class="row-main">{unitText(unitById(p.unit_id), p.unit_id)}</span>
                          {failed > 0 && <span class="chip chip-late">{t('patrol.failed_n', { n: failed })}</span>}
                          <PendingChip n={p.pending} />
                        </span>
                        <span class="row-sub">
                          {memberName(p.author_id)} · {t('review.submitted_at', { time: when(p.submitted_at) })}
                          {grouped ? '' : ` · ${siteName(p.site_id)}`}
                        </span>
                      </Link>
                    </li>
                  );
                })}
              </ul>
            )}
          </BySite>
        )}
      </section>
      <ShiftQueue user={user} me={me} />
      <InspectionQueue user={user} me={me} />
    </Screen>
  );
}

export function ReviewItem({ user, me, id }: { user: User; me: number | null; id: string }) {
  const p = patrols.value.find((x) => x.id === id) ?? null;
  const back = () => goBack('review');
  return (
    <Screen title={t('review.item_title')} back={back}>
      <RecordNotices recordId={id} />
      {p ? (
        <ReviewBody key={p.id} user={user} me={me} p={p} />
      ) : inspections.value.some((x) => x.id === id) ? (
        <InspectionReview id={id} me={me} />
      ) : (
        <p class="muted">{ready.value ? t('patrol.missing') : t('common.loading')}</p>
      )}
    </Screen>
  );
}

function ReviewBody({ user, me, p }: { user: User; me: number | null; p: Patrol }) {
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const template = templates.value.find((t) => t.id === p.template_id) ?? null;
  const last = lastReadings(patrols.value, p.unit_id, p.id);
  const raised = findings.value.filter((f) => p.finding_ids.includes(f.id));
  const why = reviewRefusal(p, reviewer(user, me));
  // Items in checklist order; answers of items the template lacks (an older version) after them.
  const keys = [...(template?.items.map((i) => i.key) ?? []), ...Object.keys(p.items).filter((k) => !template?.items.some((i) => i.key === k))];

  async function decide(d: Decision) {
    if (busy) return;
    if (d === 'reject' && comment.trim() === '') {
      setError(t('review.comment_required'));
      return;
    }
    setBusy(true);
    setError(null);
    const here = route.value;
    try {
      await review(d, p, comment);
      leave(here, 'review');
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  }

  const wWarn = readingWarning(p.water_reading, last.water);
  const eWarn = readingWarning(p.electricity_reading, last.electricity);
  return (
    <>
      <section class="card" data-testid="review-detail" data-id={p.id} data-revision={p.revision ?? ''}>
        <div class="row-top">
          <PatrolStatusChip status={p.status} testid="patrol-status" />
          <PendingChip n={p.pending} />
        </div>
        <h2 class="detail-desc">{unitText(unitById(p.unit_id), p.unit_id)}</h2>
        <dl class="kvs">
          <Kv label={t('review.author')}>{memberName(p.author_id)}</Kv>
          <Kv label={t('common.site')}>{siteName(p.site_id)}</Kv>
          <Kv label={t('patrol.started_at')}>{when(p.started_at)}</Kv>
          <Kv label={t('patrol.ended_at')}>{when(p.ended_at)}</Kv>
          <Kv label={t('review.submitted')}>{when(p.submitted_at)}</Kv>
          <Kv label={t('patrol.checklist')}>{template ? t('patrol.checklist_version', { name: templateName(template), version: template.version }) : t('common.none')}</Kv>
        </dl>
      </section>

      <section class="card" aria-labelledby="rcl-h">
        <h2 id="rcl-h">{t('patrol.checklist')}</h2>
        <ol class="checklist">
          {keys.map((k) => {
            const a = p.items[k];
            const item = template?.items.find((i) => i.key === k);
            return (
              <li key={k} class={a?.result === 'fail' ? 'check-item check-fail' : 'check-item'} data-testid="review-check" data-key={k} data-result={a?.result ?? ''}>
                <p class="check-label">
                  {item ? itemLabel(item) : a?.label || t('review.item_unnamed')}{' '}
                  <span class={`chip result-${a?.result ?? 'none'}`}>{a ? t(`result.${a.result}`) : t('review.unanswered')}</span>
                </p>
                {a?.note && <p class="check-note">{a.note}</p>}
                {a && <PhotoStrip hashes={a.photos} />}
              </li>
            );
          })}
        </ol>
      </section>

      <section class="card" aria-labelledby="rr-h">
        <h2 id="rr-h">{t('patrol.readings')}</h2>
        <dl class="kvs">
          {METERS.map((m) => {
            const value = p[`${m}_reading`];
            const before = last[m];
            const flagged = p.reading_flags[m];
            const warn = m === 'water' ? wWarn : eWarn;
            return (
              <Kv key={m} label={t(`patrol.${m}`)}>
                {value === null ? '' : `${value} ${METER_UNITS[m]}`}
                {before !== null && <span class="muted"> ({t('patrol.last_reading', { value: before })})</span>}
                {flagged !== undefined ? (
                  <p class="warn" role="status" data-testid="reading-flag" data-field={m}>
                    {t('reading.flagged', { last: flagged })}
                  </p>
                ) : (
                  warn && (
                    <p class="warn" data-testid="reading-warning" data-field={m} data-kind={warn}>
                      {t(`reading.${warn}`, { last: before ?? 0 })}
                    </p>
                  )
                )}
              </Kv>
            );
          })}
          <Kv label={t('patrol.note')}>{p.note}</Kv>
        </dl>
        <PhotoStrip hashes={p.photos} testid="review-photos" />
      </section>

      <section class="card" aria-labelledby="rf-h">
        <h2 id="rf-h">{t('patrol.findings', { n: p.finding_ids.length })}</h2>
        {p.finding_ids.length === 0 ? (
          <p class="muted">{t('review.no_findings')}</p>
        ) : (
          <ul class="rows">
            {p.finding_ids.map((fid) => {
              const f = raised.find((x) => x.id === fid);
              return (
                <li key={fid}>
                  <Link to={{ name: 'finding', id: fid }} class="row" testid="review-finding" dataId={fid}>
                    <span class="row-main">{f?.description ?? t('patrol.finding_not_synced')}</span>
                  </Link>
                </li>
              );
            })}
          </ul>
        )}
      </section>

      <section class="card form" aria-labelledby="rd-h">
        <h2 id="rd-h">{t('review.decision')}</h2>
        {why !== null ? (
          <p class="notice" data-testid="review-refused" data-code={why}>
            {p.status === 'approved' || p.status === 'rejected'
              ? t('review.already', { status: patrolStatusText(p.status), name: memberName(p.reviewed_by), time: when(p.reviewed_at) })
              : errorText({ code: why })}
          </p>
        ) : (
          <>
            <label for="r-comment">{t('review.comment')}</label>
            <textarea id="r-comment" rows={3} maxLength={2000} value={comment} onInput={(e) => setComment(e.currentTarget.value)} data-testid="review-comment" />
            <p class="muted hint">{t('review.comment_hint')}</p>
            {error && (
              <p class="error" role="alert" data-testid="review-error">
                {error}
              </p>
            )}
            <div class="actions">
              <button type="button" class="btn btn-danger" disabled={busy} onClick={() => void decide('reject')} data-testid="review-reject">
                {t('review.reject')}
              </button>
              <button type="button" class="btn btn-primary" disabled={busy} onClick={() => void decide('approve')} data-testid="review-approve">
                {t('review.approve')}
              </button>
            </div>
          </>
        )}
      </section>
    </>
  );
}
