// Which state steps of a finding a person may take now, and what a fix needs:
// predicted as server/findings/handlers.py decides (the server has the last
// word). Used by the lazily loaded Actions.tsx only.
import { awaitsAcceptance, type Actor, type Finding, type Intent } from './finding';

/** Categories whose fix needs at least one fix photo (server/findings/schemas.py). */
export const FIX_PHOTO_CATEGORIES: ReadonlySet<string> = new Set(['cleaning', 'greening', 'pest']);

const VERIFIERS = ['supervisor', 'environment'];
const has = (actor: Actor, roles: readonly string[]) => roles.some((r) => actor.roles.includes(r));

/** The state steps this person may take now (predicted as server/findings/handlers.py decides). */
export function allowedIntents(actor: Actor, f: Pick<Finding, 'status' | 'assignee_id' | 'fixed_by' | 'accepted_at'>): Intent[] {
  const sup = actor.roles.includes('supervisor');
  const out: Intent[] = [];
  if ((f.status === 'open' && has(actor, VERIFIERS)) || (f.status === 'assigned' && sup)) out.push('assign');
  const assignee = f.status === 'assigned' && actor.id !== null && f.assignee_id === actor.id;
  if (assignee && awaitsAcceptance(f)) out.push('accept');
  if (assignee) out.push('fix');
  if (f.status === 'fixed' && has(actor, VERIFIERS) && (f.fixed_by ?? f.assignee_id) !== actor.id) out.push('verify');
  if ((f.status === 'verified' && has(actor, VERIFIERS)) || (sup && ['open', 'assigned', 'fixed'].includes(f.status))) out.push('close');
  if (sup && ['fixed', 'verified'].includes(f.status)) out.push('reopen');
  return out;
}

/** A close needs a reason unless the finding was verified first. */
export function closeNeedsReason(f: Pick<Finding, 'status'>): boolean {
  return f.status !== 'verified';
}

/** Why a fix cannot be sent as it stands (the field and its refusal code), or null. */
export function fixRefusal(f: Pick<Finding, 'category' | 'fix_photos'>, note: string, photos: readonly string[]): { field: 'fix_note' | 'fix_photos'; code: string } | null {
  if (note.trim() === '') return { field: 'fix_note', code: 'fix_note_required' };
  if (FIX_PHOTO_CATEGORIES.has(f.category) && f.fix_photos.length + photos.length === 0) return { field: 'fix_photos', code: 'fix_photos_required' };
  return null;
}

