// What needs the person now (the home screen): their patrols a supervisor sent
// back, the keys they hold (overdue first), their findings not yet closed.
// Pure functions over the local store's views, so the home screen works offline.
import type { Key } from '../keys/key';
import type { Patrol } from '../patrols/patrol';

/** My patrols sent back for changes, the latest decision first. */
export function returnedPatrols(list: readonly Patrol[], me: number | null): Patrol[] {
  if (me === null) return [];
  return list
    .filter((p) => p.status === 'rejected' && p.author_id === me)
    .sort((a, b) => (b.reviewed_at ?? '').localeCompare(a.reviewed_at ?? '') || a.id.localeCompare(b.id));
}

/** Past its expected return, or out longer than the site allows (`late`, the keys screen's rule). */
export function keyLate(k: Pick<Key, 'expected_return'>, now: number, late: boolean): boolean {
  if (late) return true;
  const due = k.expected_return ? Date.parse(k.expected_return) : NaN;
  return !Number.isNaN(due) && due < now;
}

/** The keys I hold: overdue ones first, then by when they are due back (unknown last). */
export function heldKeys(list: readonly Key[], me: number | null, overdue: (k: Key) => boolean): { key: Key; overdue: boolean }[] {
  if (me === null) return [];
  const due = (k: Key) => (k.expected_return ? Date.parse(k.expected_return) : Infinity) || Infinity;
  return list
    .filter((k) => k.status === 'out' && k.holder_id === me)
    .map((key) => ({ key, overdue: overdue(key) }))
    .sort((a, b) => Number(b.overdue) - Number(a.overdue) || due(a.key) - due(b.key) || a.key.code.localeCompare(b.key.code));
}
