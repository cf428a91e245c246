// The conflicts feature's data and its two writes: "keep mine" (an upsert of
// the replaced value that resolves the conflict) and "keep theirs" (a dismissal).
import { computed } from '@preact/signals';
import { localSnapshot, me, mutate } from '../app/data';
import { unitById } from '../app/site';
import { unitLabel } from '../app/units';
import { conflictsView, DISMISS, isUnread, type Conflict } from './conflict';

export const conflicts = computed<Conflict[]>(() => {
  const s = localSnapshot.value;
  return s ? conflictsView(s.conflicts, s.outbox, me.value) : [];
});

/** Conflicts I have not read (dismissed or settled): the badge on the sync tab and the home screen. */
export const unreadCount = computed(() => conflicts.value.filter((c) => isUnread(c, me.value)).length);

export function conflictsOf(collection: string, recordId: string): Conflict[] {
  return conflicts.value.filter((c) => c.collection === collection && c.record_id === recordId);
}

const NAME_FIELDS = ['description', 'label', 'code', 'location', 'name', 'receipt_no'];
/** A record that names nothing itself is known by the one it belongs to. */
const PARENTS: [string, string][] = [
  ['finding_id', 'findings'],
  ['key_id', 'keys'],
];

function fieldsOf(collection: string, id: string): Record<string, unknown> | undefined {
  const s = localSnapshot.value;
  const rows = s && collection in s ? s[collection as keyof typeof s] : undefined;
  return Array.isArray(rows) ? (rows as { id: string; fields: Record<string, unknown> }[]).find((r) => r.id === id)?.fields : undefined;
}

/**
 * What a person knows the record by (pulled, else as this device is sending
 * it): a finding's description, a key's code, the finding a comment is on, a
 * patrol's unit; its id's start when nothing names it.
 */
export function recordName(c: Pick<Conflict, 'collection' | 'record_id'>, unsent: Record<string, unknown> = {}): string {
  const f = { ...unsent, ...fieldsOf(c.collection, c.record_id) };
  for (const name of NAME_FIELDS) {
    const v = f[name];
    if (typeof v === 'string' && v.trim() !== '') return v;
  }
  for (const [ref, collection] of PARENTS) {
    const id = f[ref];
    if (typeof id === 'string' && id !== c.record_id) return recordName({ collection, record_id: id });
  }
  const unit = unitById(typeof f.unit_id === 'number' ? f.unit_id : null);
  return unit ? unitLabel(unit) : c.record_id.slice(0, 8);
}

/** Restore my replaced value as a new edit (fresh base: it then wins) and settle the conflict. */
export async function keepMine(c: Conflict): Promise<void> {
  await mutate({
    name: `${c.collection}.upsert`,
    args: { id: c.record_id, [c.field]: c.discarded, resolves: c.id },
    collection: c.collection,
    record_id: c.record_id,
  });
}

/** Leave the other value and mark the conflict read. */
export async function keepTheirs(c: Conflict): Promise<void> {
  await mutate({ name: DISMISS, args: { id: c.id }, collection: 'conflicts', record_id: c.id });
}
