// Conflicts of concurrent edits as this device shows them: the pulled
// `conflicts` records with this device's own unanswered dismissals and
// "keep mine" edits laid over, who each one is about, and its words.
import { overlay, type OutboxLike, type ServerLike, type ViewRecord } from '../sync/overlay';
import { str } from '../app/fields';

export const DISMISS = 'conflicts.dismiss';

export interface Conflict {
  id: string;
  collection: string;
  record_id: string;
  field: string;
  kept: unknown;
  discarded: unknown;
  kept_by: string;
  discarded_by: string;
  kept_by_name: string;
  discarded_by_name: string;
  kept_at: string;
  discarded_at: string;
  detected_at: string;
  dismissed_by: string[];
  resolved_by: string;
  resolved_value: unknown;
  /** This device has an unanswered dismissal or "keep mine" of it. */
  pending: number;
}

/** How the viewer stands to a conflict: their value was replaced, theirs replaced another's, or neither (a supervisor). */
export type Side = 'replaced' | 'replacer' | 'between';

export function toConflict(r: ViewRecord): Conflict {
  const f = r.fields;
  return {
    id: r.id,
    collection: str(f.collection),
    record_id: str(f.record_id),
    field: str(f.field),
    kept: f.kept,
    discarded: f.discarded,
    kept_by: str(f.kept_by),
    discarded_by: str(f.discarded_by),
    kept_by_name: str(f.kept_by_name),
    discarded_by_name: str(f.discarded_by_name),
    kept_at: str(f.kept_at),
    discarded_at: str(f.discarded_at),
    detected_at: str(f.detected_at),
    dismissed_by: Array.isArray(f.dismissed_by) ? f.dismissed_by.map(String) : [],
    resolved_by: str(f.resolved_by),
    resolved_value: f.resolved_value,
    pending: r.pending,
  };
}

function readBy(current: Record<string, unknown> | undefined, me: number | null): Record<string, unknown> | undefined {
  if (!current || me === null) return current;
  const have = Array.isArray(current.dismissed_by) ? current.dismissed_by.map(String) : [];
  return { ...current, dismissed_by: [...new Set([...have, String(me)])] };
}

/** The conflicts, newest first; a dismissal or a "keep mine" (an upsert that `resolves` it) still queued counts as read. */
export function conflictsView(server: readonly ServerLike[], outbox: readonly OutboxLike[], me: number | null): Conflict[] {
  const view = overlay('conflicts', server, outbox, { [DISMISS]: (current) => readBy(current, me) });
  for (const row of outbox) {
    const id = row.args.resolves;
    const c = typeof id === 'string' ? view.get(id) : undefined;
    if (c && row.state !== 'acked') view.set(c.id, { ...c, fields: readBy(c.fields, me) ?? c.fields, pending: c.pending + 1 });
  }
  return [...view.values()].map(toConflict).sort((a, b) => b.detected_at.localeCompare(a.detected_at));
}

export function sideOf(c: Pick<Conflict, 'kept_by' | 'discarded_by'>, me: number | null): Side {
  if (me !== null && c.discarded_by === String(me)) return 'replaced';
  if (me !== null && c.kept_by === String(me)) return 'replacer';
  return 'between';
}

export function isUnread(c: Pick<Conflict, 'dismissed_by'>, me: number | null): boolean {
  return me === null || !c.dismissed_by.includes(String(me));
}

/** What a notice's text names, in the viewer's words. */
export interface Words {
  record: string;
  field: string;
  value: (v: unknown) => string;
  time: (iso: string) => string;
  you: string;
  someone: string;
}

export type NoticeKey = 'conflict.replaced' | 'conflict.replacer' | 'conflict.between';

/** The notice's text key and its parameters, told from the viewer's side. */
export function noticeOf(c: Conflict, me: number | null, w: Words): { key: NoticeKey; params: Record<string, string> } {
  const side = sideOf(c, me);
  const kept = w.value(c.kept);
  const discarded = w.value(c.discarded);
  const keptBy = c.kept_by_name || w.someone;
  const discardedBy = c.discarded_by_name || w.someone;
  const base = { record: w.record, field: w.field };
  if (side === 'replaced') return { key: 'conflict.replaced', params: { ...base, mine: discarded, theirs: kept, other: keptBy } };
  if (side === 'replacer') return { key: 'conflict.replacer', params: { ...base, mine: kept, theirs: discarded, other: discardedBy } };
  return { key: 'conflict.between', params: { ...base, winner: keptBy, loser: discardedBy, kept, discarded } };
}

/** When each side edited, naming the viewer "you". */
export function timesOf(c: Conflict, me: number | null, w: Words): Record<string, string> {
  const side = sideOf(c, me);
  return {
    kept_by: side === 'replacer' ? w.you : c.kept_by_name || w.someone,
    kept_at: w.time(c.kept_at),
    discarded_by: side === 'replaced' ? w.you : c.discarded_by_name || w.someone,
    discarded_at: w.time(c.discarded_at),
  };
}
