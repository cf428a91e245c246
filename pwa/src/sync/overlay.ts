// The local view of a collection: server state with the outbox laid over it
// in seq order. Pure functions; the database is read elsewhere.
import type { Args } from './wire';

export interface ViewRecord {
  id: string;
  /** Server revision, null for a record that exists only on this device so far. */
  revision: number | null;
  fields: Record<string, unknown>;
  /** Unanswered mutations on this record (pending or sending). */
  pending: number;
}

export interface ServerLike {
  id: string;
  revision: number;
  fields: Record<string, unknown>;
}

export interface OutboxLike {
  id: string;
  seq: number;
  name: string;
  args: Args;
  state: string;
  collection: string;
  record_id: string;
  created_at: number;
}

/** How one mutation changes the view of its record: the new fields, or null for "gone". */
export type Applier = (
  current: Record<string, unknown> | undefined,
  args: Args,
  row: OutboxLike,
) => Record<string, unknown> | null | undefined;

/** A set field's wire value (a list = add these, or {add, remove}) applied to the current list. */
export function applySetOp(current: unknown, op: unknown): string[] {
  const have = new Set(Array.isArray(current) ? current.filter((x): x is string => typeof x === 'string') : []);
  if (Array.isArray(op)) {
    for (const x of op) if (typeof x === 'string') have.add(x);
  } else if (typeof op === 'object' && op !== null) {
    const o = op as { add?: unknown; remove?: unknown };
    if (Array.isArray(o.remove)) for (const x of o.remove) if (typeof x === 'string') have.delete(x);
    if (Array.isArray(o.add)) for (const x of o.add) if (typeof x === 'string') have.add(x);
  }
  return [...have].sort();
}

/** The generic `X.upsert`: changed fields over the current ones, set fields by their operations. */
export function upsertApplier(setFields: ReadonlySet<string>): Applier {
  return (current, args) => {
    const next: Record<string, unknown> = { ...(current ?? {}) };
    for (const [k, v] of Object.entries(args)) {
      if (k === 'id') continue;
      next[k] = setFields.has(k) ? applySetOp(next[k], v) : v;
    }
    return next;
  };
}

export const deleteApplier: Applier = () => null;

/**
 * Lay the outbox over one collection's server rows. `appliers` maps a
 * mutation name to its effect; mutations of other collections are skipped.
 * Acked rows still apply (the pull with their revision has not come yet) but
 * do not count as pending.
 */
export function overlay(
  collection: string,
  server: readonly ServerLike[],
  outbox: readonly OutboxLike[],
  appliers: Readonly<Record<string, Applier>>,
): Map<string, ViewRecord> {
  const out = new Map<string, ViewRecord>();
  for (const r of server) out.set(r.id, { id: r.id, revision: r.revision, fields: r.fields, pending: 0 });
  const gone = new Map<string, ViewRecord>();
  const rows = [...outbox].sort((a, b) => a.seq - b.seq);
  for (const row of rows) {
    if (row.collection !== collection) continue;
    const apply = appliers[row.name];
    if (!apply) continue;
    const prev = out.get(row.record_id) ?? gone.get(row.record_id);
    const live = out.get(row.record_id);
    const fields = apply(live?.fields, row.args, row);
    if (fields === undefined) continue;
    const base: ViewRecord = prev ?? { id: row.record_id, revision: null, fields: {}, pending: 0 };
    const rec: ViewRecord = {
      ...base,
      fields: fields ?? base.fields,
      pending: base.pending + (row.state === 'acked' ? 0 : 1),
    };
    if (fields === null) {
      out.delete(row.record_id);
      gone.set(row.record_id, rec);
    } else {
      out.set(row.record_id, rec);
      gone.delete(row.record_id);
    }
  }
  return out;
}
