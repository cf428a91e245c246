// Records and outbox rows as the views read them, for the feature tests.
import { toPatrol, type Patrol } from '../src/patrols/patrol';
import type { OutboxLike } from '../src/sync/overlay';

/** A patrol as synced (approved at site 1 unless `fields` says otherwise). */
export function patrol(id: string, fields: Record<string, unknown>, revision: number | null = 3): Patrol {
  return toPatrol({ id, revision, fields: { status: 'approved', site_id: 1, ...fields }, pending: 0 });
}

let seq = 0;
/** A pending outbox row, written 2025-06-15 10:00 on site. */
export function row(name: string, collection: string, recordId: string, args: Record<string, unknown>): OutboxLike {
  seq++;
  return { id: `m${seq}`, seq, name, args, state: 'pending', collection, record_id: recordId, created_at: Date.UTC(2025, 5, 15, 2, 0, 0) };
}
