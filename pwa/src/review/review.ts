// The supervisor's review queue (审核): submitted records of the supervisor's
// sites, oldest first, never their own; approve / reject as sync intents that
// carry the revision the supervisor saw (the server refuses `stale_review`
// when the author changed the record after that).
import type { Args } from '../sync/wire';
import type { Patrol } from '../patrols/patrol';

export const NAMES = { approve: 'review.approve', reject: 'review.reject' } as const;
export type Decision = 'approve' | 'reject';

export interface Reviewer {
  id: number | null;
  roles: readonly string[];
  site_ids: readonly string[];
}

export function isReviewer(r: Pick<Reviewer, 'roles'>): boolean {
  return r.roles.includes('supervisor');
}

/** Submitted patrols of the reviewer's sites, not their own, oldest submission first. */
export function reviewQueue(patrols: readonly Patrol[], r: Reviewer): Patrol[] {
  if (!isReviewer(r)) return [];
  return patrols
    .filter((p) => p.status === 'submitted' && p.author_id !== r.id && p.site_id !== null && r.site_ids.includes(String(p.site_id)))
    .sort((a, b) => (a.submitted_at ?? '').localeCompare(b.submitted_at ?? '') || a.id.localeCompare(b.id));
}

/** Why this reviewer cannot review this record now (a refusal code the server would give), or null. */
export function reviewRefusal(p: Patrol, r: Reviewer): string | null {
  if (!isReviewer(r)) return 'forbidden';
  if (p.author_id !== null && p.author_id === r.id) return 'self_review';
  if (p.status !== 'submitted') return 'not_submitted';
  if (p.revision === null) return 'not_submitted';
  return null;
}

export class ReviewArgsError extends Error {
  readonly code: string;
  constructor(code: string) {
    super(code);
    this.code = code;
  }
}

/**
 * The intent's args: its own id, the record, the revision the supervisor saw
 * (the one on screen), and the comment (required to reject).
 */
export function reviewArgs(id: string, decision: Decision, p: Pick<Patrol, 'id' | 'revision'>, comment: string): Args {
  if (p.revision === null) throw new ReviewArgsError('not_submitted');
  const text = comment.trim();
  if (decision === 'reject' && text === '') throw new ReviewArgsError('comment_required');
  return { id, collection: 'patrols', record_id: p.id, revision: p.revision, comment: text };
}
