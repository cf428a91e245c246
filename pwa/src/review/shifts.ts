// Parking shifts in the supervisor's review queue (issue 16): a shift closed with a cash
// variance waits for review (server/review/handlers.py REVIEWED "parking_shifts"); approval
// locks it, a return sends it back to its cashier to count again. Pure: tested without a
// database. Kept apart from the patrol queue (review.ts) on purpose.
import type { Shift } from '../parking/shift';
import type { Args } from '../sync/wire';
import { isReviewer, NAMES, ReviewArgsError, type Decision, type Reviewer } from './review';

export const COLLECTION = 'parking_shifts';

/** The server's rule: closed (or handed over) with a variance other than zero. */
export function waitsForReview(s: Pick<Shift, 'status' | 'variance_fen'>): boolean {
  return (s.status === 'closed' || s.status === 'handed_over') && s.variance_fen !== null && s.variance_fen !== 0;
}

function mine(s: Pick<Shift, 'site_id'>, r: Reviewer): boolean {
  return s.site_id !== null && r.site_ids.includes(String(s.site_id));
}

/** Shifts of the reviewer's sites waiting for review, not their own, the oldest close first. */
export function shiftQueue(shifts: readonly Shift[], r: Reviewer): Shift[] {
  if (!isReviewer(r)) return [];
  return shifts
    .filter((s) => waitsForReview(s) && s.revision !== null && s.cashier_id !== r.id && mine(s, r))
    .sort((a, b) => (a.closed_at ?? '').localeCompare(b.closed_at ?? '') || a.id.localeCompare(b.id));
}

/** Why this reviewer cannot decide on this shift now (the code the server would give), or null. */
export function shiftRefusal(s: Shift, r: Reviewer): string | null {
  if (!isReviewer(r) || !mine(s, r)) return 'forbidden';
  if (s.cashier_id !== null && s.cashier_id === r.id) return 'self_review';
  if (!waitsForReview(s) || s.revision === null) return 'not_submitted';
  return null;
}

/** The intent's args: the revision on screen, and the comment (required to send it back). */
export function shiftReviewArgs(id: string, decision: Decision, s: Pick<Shift, 'id' | 'revision'>, comment: string): { name: string; args: Args } {
  if (s.revision === null) throw new ReviewArgsError('not_submitted');
  const text = comment.trim();
  if (decision === 'reject' && text === '') throw new ReviewArgsError('comment_required');
  return {
    name: decision === 'approve' ? NAMES.approve : NAMES.reject,
    args: { id, collection: COLLECTION, record_id: s.id, revision: s.revision, comment: text },
  };
}

/** 长款 (more cash than expected), 短款 (less) or even. */
export function varianceKind(fen: number | null): 'over' | 'short' | 'even' {
  if (!fen) return 'even';
  return fen > 0 ? 'over' : 'short';
}

/** The calendar day ("YYYY-MM-DD") of an instant in a time zone (the site's). */
export function dayIn(at: string | number, zone: string): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return '';
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(d);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/**
 * The shifts of the reviewer's sites opened on the site's today, and those still open (a night
 * shift crosses midnight), the latest first (read-only list).
 */
export function todaysShifts(shifts: readonly Shift[], r: Reviewer, now: number, zoneOf: (siteId: number) => string): Shift[] {
  const today = (s: Shift) => dayIn(s.opened_at, zoneOf(s.site_id as number)) === dayIn(now, zoneOf(s.site_id as number));
  return shifts
    .filter((s) => mine(s, r) && s.opened_at !== '' && (s.status === 'open' || today(s)))
    .sort((a, b) => b.opened_at.localeCompare(a.opened_at));
}
