// Vendor inspections in the supervisor's review queue (issue 17): the ones of my
// sites waiting for review, not my own, oldest first, and approve / return with
// review.approve / review.reject on collection "inspections". Kept apart from the
// patrols' screens so other collections join the queue the same way.
import { useEffect, useState } from 'preact/hooks';
import '../vendors/texts';
import type { User } from '../app/api-types';
import { mutate } from '../app/data';
import { leave, route } from '../app/state';
import { t } from '../i18n';
import { errorText } from '../i18n/errors';
import { uuid } from '../sync/hlc';
import { InspectionBody, InspectionRow } from '../vendors/List';
import { followInspections, inspections, type Inspection } from '../vendors/store';
import { NAMES, reviewArgs, type Decision } from './review';

/** Submitted inspections of the reviewer's sites, not their own, oldest first. */
export function inspectionQueue(list: readonly Inspection[], user: Pick<User, 'roles' | 'sites'>, me: number | null): Inspection[] {
  if (!user.roles.includes('supervisor')) return [];
  const sites = new Set(user.sites.map((s) => s.id));
  return list
    .filter((i) => i.status === 'submitted' && i.author_id !== me && sites.has(String(i.site_id)))
    .sort((a, b) => (a.submitted_at ?? '').localeCompare(b.submitted_at ?? '') || a.id.localeCompare(b.id));
}

export async function reviewInspection(decision: Decision, i: Inspection, comment: string): Promise<void> {
  const name = decision === 'approve' ? NAMES.approve : NAMES.reject;
  const args = { ...reviewArgs(uuid(), decision, i, comment), collection: 'inspections' };
  await mutate({ name, args, collection: 'inspections', record_id: i.id });
}

export function InspectionQueue({ user, me }: { user: User; me: number | null }) {
  useEffect(followInspections, []);
  const queue = inspectionQueue(inspections.value, user, me);
  if (queue.length === 0) return null;
  return (
    <section class="card" data-testid="review-inspections">
      <h2>
        {t('vendors.review_waiting')} <span class="muted">({queue.length})</span>
      </h2>
      <ul class="rows">
        {queue.map((i) => (
          <li key={i.id}>
            <InspectionRow i={i} to="review-item" />
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The inspection under review, or null when `id` is none of the inspections. */
export function InspectionReview({ id, me }: { id: string; me: number | null }) {
  useEffect(followInspections, []);
  const i = inspections.value.find((x) => x.id === id) ?? null;
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!i) return null;
  const open = i.status === 'submitted' && i.revision !== null && i.author_id !== me;

  async function decide(d: Decision) {
    if (busy || !i) return;
    if (d === 'reject' && comment.trim() === '') {
      setError(t('review.comment_required'));
      return;
    }
    setBusy(true);
    setError(null);
    const here = route.value;
    try {
      await reviewInspection(d, i, comment);
      leave(here, 'review');
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  }

  return (
    <>
      <InspectionBody i={i} />
      {open && (
        <section class="card form" aria-labelledby="ri-h">
          <h2 id="ri-h">{t('review.decision')}</h2>
          <label for="ri-comment">{t('review.comment')}</label>
          <textarea id="ri-comment" rows={3} maxLength={2000} value={comment} onInput={(e) => setComment(e.currentTarget.value)} data-testid="review-comment" />
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
        </section>
      )}
    </>
  );
}
