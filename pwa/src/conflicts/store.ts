// The conflicts feature's data and its two writes: "keep mine" (an upsert of
// the replaced value that resolves the conflict) and "keep theirs" (a dismissal).
import { computed } from '@preact/signals';
import { localSnapshot, me, mutate } from '../app/data';
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

/** What a person knows the record by (pulled, else as this device is sending it): a finding's description, a key's code, else its location or name. */
export function recordName(c: Pick<Conflict, 'collection' | 'record_id'>, unsent: Record<string, unknown> = {}): string {
  const s = localSnapshot.value;
  const rows = s && c.collection in s ? (s[c.collection as keyof typeof s] as { id: string; fields: Record<string, unknown> }[]) : [];
  const f = Array.isArray(rows) ? rows.find((r) => r.id === c.record_id)?.fields : undefined;
  for (const name of ['description', 'label', 'code', 'location', 'name']) {
    const v = f?.[name] ?? unsent[name];
    if (typeof v === 'string' && v.trim() !== '') return v;
  }
  return c.record_id.slice(0, 8);
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
