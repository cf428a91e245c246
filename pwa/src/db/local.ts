// The signed-in user's local database: server state per collection, the
// outbox of pending mutations, notices for the author, and meta. One Dexie
// database per user and install (`fieldkeep-<userId>`), so two people who
// share a phone never share a store, a device id or an outbox.
//
// Rule 9: a mutation is written with its seq, stamp and notice changes in one
// transaction; the pull cursor moves only in the transaction that stores the
// pulled changes.
import Dexie, { liveQuery, type EntityTable, type Transaction } from 'dexie';
import { Clock, uuid } from '../sync/hlc';
import type { Args, Change, Conflict, ErrorInfo, MutationResult, PullResponse } from '../sync/wire';

/** A record as the server last sent it. */
export interface ServerRow {
  id: string;
  revision: number;
  fields: Record<string, unknown>;
}

/**
 * pending: not yet answered; sending: in a push now (treated as pending if the
 * page died mid-push); acked: answered applied/merged, no longer sent or
 * counted, but still laid over server state until a pull brings the record's
 * new revision (so an edit never flickers back between push and pull).
 * A rejected mutation leaves the outbox at once and lives on as a notice.
 */
export type OutboxState = 'pending' | 'sending' | 'acked';

export interface OutboxRow {
  id: string;
  seq: number;
  name: string;
  args: Args;
  hlc: string;
  state: OutboxState;
  /** The record the mutation is about: where its overlay and its notice belong. */
  collection: string;
  record_id: string;
  created_at: number;
  /** Set when acked: the revision the server gave it (null when nothing changed). */
  revision?: number | null;
  error?: ErrorInfo | null;
}

/**
 * A mutation the server answered for good (applied, merged or rejected), kept
 * for JOURNAL_MS after its answer. A server restored from a backup may have
 * lost it; the device then sends it again with the same id and seq (the
 * server answers one it still holds as a duplicate), so no acknowledged work
 * is lost to a restore.
 */
export interface JournalRow {
  seq: number;
  id: string;
  name: string;
  args: Args;
  hlc: string;
  collection: string;
  record_id: string;
  created_at: number;
  acked_at: number;
}

export const JOURNAL_MS = 30 * 24 * 3600 * 1000;

export type NoticeKind = 'rejected' | 'merged';

/** Something the author must see: a rejection (with its reason) or a merge that lost fields. */
export interface NoticeRow {
  /** The mutation's id: one notice per mutation, however often it is answered. */
  id: string;
  kind: NoticeKind;
  code: string;
  message: string;
  field: string | null;
  /** What the refusal's text names (the error's `args`, e.g. {name: '张伟'}). */
  error_args?: Record<string, string | number>;
  name: string;
  args: Args;
  seq: number;
  collection: string;
  record_id: string;
  conflicts: Conflict[];
  created_at: number;
}

/**
 * A photo taken on this device, kept until the server has it (rule 7). The
 * upload queue works through `state: 'queued'` rows; `uploaded` is set once
 * the server confirmed the bytes (HEAD 200, PUT 200/201). IndexedDB cannot
 * index booleans, so the queue and the cleanup read `state`.
 */
export type PhotoState = 'queued' | 'uploaded' | 'failed';

export interface PhotoRow {
  /** SHA-256 of `bytes`, lower-case hex: the photo's name on the server. */
  hash: string;
  bytes: Blob;
  type: string;
  size: number;
  width: number;
  height: number;
  /** Capture time (ms) from the camera's EXIF, else the file's time; null when unknown. */
  taken_at: number | null;
  created_at: number;
  uploaded: boolean;
  state: PhotoState;
  /** Failed tries so far (network or server trouble); drives the backoff. */
  attempts: number;
  /** Not tried again before this (ms); 0 = at once. */
  next_at: number;
  uploaded_at: number | null;
  /** Why the server refused it for good (state 'failed'), or the last transient failure. */
  error: { code: string; message: string } | null;
}

/** A photo as the views need it: everything but the bytes. */
export type PhotoMeta = Omit<PhotoRow, 'bytes'>;

export interface LocalMetaRow {
  key: string;
  value: unknown;
}

/** Collections this build stores; a pulled change of another collection is skipped. */
export const COLLECTIONS = [
  'findings',
  'finding_comments',
  'keys',
  'key_events',
  'patrol_templates',
  'patrols',
  'conflicts',
  'parking_shifts',
  'parking_transactions',
  'parking_events',
  'permits',
  'inspections',
  'inspection_items',
] as const;
export type Collection = (typeof COLLECTIONS)[number];

export function isCollection(v: string): v is Collection {
  return (COLLECTIONS as readonly string[]).includes(v);
}

export const META = {
  deviceId: 'device_id',
  nextSeq: 'next_seq',
  hlc: 'hlc',
  cursor: 'cursor',
  user: 'user',
  lastSyncedAt: 'last_synced_at',
  membersPrefix: 'members:',
} as const;

/** A version that adds a collection drops the cursor: the next pull fetches it from scratch. */
const dropCursor = (tx: Transaction) => tx.table('meta').delete(META.cursor);

export class LocalDB extends Dexie {
  findings!: EntityTable<ServerRow, 'id'>;
  finding_comments!: EntityTable<ServerRow, 'id'>;
  keys!: EntityTable<ServerRow, 'id'>;
  key_events!: EntityTable<ServerRow, 'id'>;
  patrol_templates!: EntityTable<ServerRow, 'id'>;
  patrols!: EntityTable<ServerRow, 'id'>;
  conflicts!: EntityTable<ServerRow, 'id'>;
  parking_shifts!: EntityTable<ServerRow, 'id'>;
  parking_transactions!: EntityTable<ServerRow, 'id'>;
  parking_events!: EntityTable<ServerRow, 'id'>;
  permits!: EntityTable<ServerRow, 'id'>;
  inspections!: EntityTable<ServerRow, 'id'>;
  inspection_items!: EntityTable<ServerRow, 'id'>;
  outbox!: EntityTable<OutboxRow, 'id'>;
  notices!: EntityTable<NoticeRow, 'id'>;
  meta!: EntityTable<LocalMetaRow, 'key'>;
  photos!: EntityTable<PhotoRow, 'hash'>;
  journal!: EntityTable<JournalRow, 'seq'>;

  constructor(name: string) {
    super(name);
    // A later version that adds a collection must also delete META.cursor in
    // its upgrade, so the next pull fetches the new collection from scratch.
    this.version(1).stores({
      findings: 'id',
      finding_comments: 'id, fields.finding_id',
      outbox: 'id, &seq, state',
      notices: 'id, record_id, created_at',
      meta: 'key',
    });
    // Version 2 adds the photos this device took (no new collection: the cursor stays).
    this.version(2).stores({
      photos: 'hash, state, created_at',
    });
    // Version 3 adds key custody, patrol checklists and patrols (issue 7). New
    // collections: the cursor goes, so the next pull fetches them from scratch.
    this.version(3)
      .stores({
        keys: 'id',
        key_events: 'id',
        patrol_templates: 'id',
        patrols: 'id',
      })
      .upgrade(dropCursor);
    // Version 4 adds the conflicts of concurrent edits (issue 15).
    this.version(4)
      .stores({ conflicts: 'id, fields.record_id' })
      .upgrade(dropCursor);
    // Version 5 adds the journal of answered mutations (no new collection: the cursor stays).
    this.version(5).stores({ journal: 'seq, acked_at' });
    // Version 6 adds the parking shift (issue 16); parking/store.ts reads these itself.
    this.version(6)
      .stores({ parking_shifts: 'id', parking_transactions: 'id', parking_events: 'id' })
      .upgrade(dropCursor);
    // Version 7 adds the site's permits (issue 18): the scanner's revocations and used passes.
    this.version(7).stores({ permits: 'id' }).upgrade(dropCursor);
    // Version 8 adds vendor inspections and their scored items (issue 17).
    this.version(8).stores({ inspections: 'id', inspection_items: 'id, fields.inspection_id' }).upgrade(dropCursor);
  }

  serverTable(collection: string): EntityTable<ServerRow, 'id'> | null {
    return isCollection(collection) ? this[collection] : null;
  }

  serverTables(): EntityTable<ServerRow, 'id'>[] {
    return COLLECTIONS.map((c) => this[c]);
  }
}

export function localDbName(userId: string): string {
  return `fieldkeep-${userId}`;
}

let current: LocalDB | null = null;

/** Open (lazily) the user's database; closes another user's. */
export function openLocal(userId: string, name: string = localDbName(userId)): LocalDB {
  if (current?.name === name) return current;
  current?.close();
  current = new LocalDB(name);
  return current;
}

export function localDb(): LocalDB | null {
  return current;
}

export function closeLocal(): void {
  current?.close();
  current = null;
}

// ---- meta ------------------------------------------------------------------

export async function getLocalMeta<T = unknown>(db: LocalDB, key: string): Promise<T | undefined> {
  return (await db.meta.get(key))?.value as T | undefined;
}

export async function setLocalMeta(db: LocalDB, key: string, value: unknown): Promise<void> {
  await db.meta.put({ key, value });
}

/** This install's device id for this user, made on first use. */
export async function ensureDevice(db: LocalDB): Promise<string> {
  return db.transaction('rw', db.meta, async () => {
    const have = (await db.meta.get(META.deviceId))?.value;
    if (typeof have === 'string' && have !== '') return have;
    const id = uuid();
    await db.meta.put({ key: META.deviceId, value: id });
    return id;
  });
}

// ---- outbox ----------------------------------------------------------------

export interface NewMutation {
  name: string;
  args: Args;
  collection: string;
  record_id: string;
}

export interface EnqueueOptions {
  /** Notices answered by this edit (an "edit again" after a rejection): deleted in the same transaction. */
  dismiss?: string[];
  /**
   * Photos the mutation puts into a photo set: stored in the same transaction
   * (rule 9), queued for upload. A photo already stored keeps its row (and
   * its upload state).
   */
  photos?: NewPhoto[];
  now?: () => number;
}

/** A photo made ready on the device (resized, encoded, hashed), about to be stored. */
export interface NewPhoto {
  hash: string;
  bytes: Blob;
  type: string;
  width: number;
  height: number;
  taken_at: number | null;
}

export function photoRow(p: NewPhoto, at: number): PhotoRow {
  return {
    hash: p.hash,
    bytes: p.bytes,
    type: p.type,
    size: p.bytes.size,
    width: p.width,
    height: p.height,
    taken_at: p.taken_at,
    created_at: at,
    uploaded: false,
    state: 'queued',
    attempts: 0,
    next_at: 0,
    uploaded_at: null,
    error: null,
  };
}

/**
 * The one way to change local data: a mutation with the next seq and a fresh
 * stamp, written with the seq counter, the clock, any dismissed notices and
 * any new photos in one transaction. Views see it at once through the overlay.
 */
export async function enqueue(db: LocalDB, m: NewMutation, opts: EnqueueOptions = {}): Promise<OutboxRow> {
  const now = opts.now ?? Date.now;
  const server = db.serverTable(m.collection);
  return db.transaction('rw', [db.outbox, db.meta, db.notices, db.photos, ...(server ? [server] : [])], async () => {
    let device = (await db.meta.get(META.deviceId))?.value;
    if (typeof device !== 'string' || device === '') {
      device = uuid();
      await db.meta.put({ key: META.deviceId, value: device });
    }
    const nextRaw = (await db.meta.get(META.nextSeq))?.value;
    const seq = typeof nextRaw === 'number' && Number.isSafeInteger(nextRaw) && nextRaw >= 1 ? nextRaw : 1;
    const last = (await db.meta.get(META.hlc))?.value;
    // The clock restarts from the stored stamp, so stamps follow seq order across
    // reloads and tabs even when the phone's clock is set back.
    const hlc = new Clock(device as string, now, typeof last === 'string' ? last : null).tick();
    const row: OutboxRow = {
      id: uuid(),
      seq,
      name: m.name,
      args: await withBase(server, m),
      hlc,
      state: 'pending',
      collection: m.collection,
      record_id: m.record_id,
      created_at: now(),
    };
    await db.outbox.add(row);
    await db.meta.put({ key: META.nextSeq, value: seq + 1 });
    await db.meta.put({ key: META.hlc, value: hlc });
    if (opts.dismiss?.length) await db.notices.bulkDelete(opts.dismiss);
    for (const p of opts.photos ?? []) {
      if (!(await db.photos.get(p.hash))) await db.photos.add(photoRow(p, now()));
    }
    return row;
  });
}

/** A generic upsert's name (`<collection>.upsert`): the engine merges it per field against its base. */
export function isUpsert(name: string): boolean {
  return name.endsWith('.upsert');
}

/**
 * An upsert's args with `base_revision`: the revision of the record as last
 * pulled (server state, never an acked push's revision), absent for a record
 * this device has not pulled. The server tells a concurrent edit by it.
 */
async function withBase(server: EntityTable<ServerRow, 'id'> | null, m: NewMutation): Promise<Args> {
  if (!server || !isUpsert(m.name) || m.args.base_revision !== undefined) return m.args;
  const pulled = await server.get(m.record_id);
  return pulled ? { ...m.args, base_revision: pulled.revision } : m.args;
}

/** Mutations still to send (pending or sending), in seq order. */
export async function unsent(db: LocalDB): Promise<OutboxRow[]> {
  const rows = await db.outbox.orderBy('seq').toArray();
  return rows.filter((r) => r.state !== 'acked');
}

export async function setState(db: LocalDB, ids: string[], state: OutboxState): Promise<void> {
  await db.transaction('rw', db.outbox, async () => {
    for (const id of ids) await db.outbox.update(id, { state });
  });
}

export interface ResultSummary {
  /** Mutations that reached a final status (applied, merged, rejected, or a duplicate of one). */
  final: number;
  rejected: number;
  merged: number;
  deferred: number;
}

/** The final reading of a result: a duplicate is its first result again. */
export function finalStatus(r: MutationResult): 'applied' | 'merged' | 'rejected' | 'deferred' {
  if (r.status === 'duplicate') {
    if (r.error) return 'rejected';
    return r.conflicts?.length ? 'merged' : 'applied';
  }
  return r.status;
}

/**
 * Store what became of a pushed batch, in one transaction: applied/merged →
 * acked (a replaced field is told by the pulled `conflicts` record, not here), rejected →
 * out of the outbox and into a notice, deferred or unanswered → pending again.
 */
export async function applyResults(
  db: LocalDB,
  batch: OutboxRow[],
  results: MutationResult[],
  now: () => number = Date.now,
): Promise<ResultSummary> {
  const summary: ResultSummary = { final: 0, rejected: 0, merged: 0, deferred: 0 };
  await db.transaction('rw', [db.outbox, db.notices, db.journal], async () => {
    const byId = new Map(batch.map((r) => [r.id, r]));
    const answered = new Set<string>();
    for (const res of results) {
      const row = byId.get(res.id);
      if (!row || answered.has(row.id)) continue;
      answered.add(row.id);
      const status = finalStatus(res);
      if (status === 'deferred') {
        summary.deferred++;
        await db.outbox.update(row.id, { state: 'pending', error: res.error ?? null });
        continue;
      }
      summary.final++;
      await db.journal.put(journalOf(row, now()));
      if (status === 'rejected') {
        summary.rejected++;
        await db.outbox.delete(row.id);
        await db.notices.put(noticeOf(row, 'rejected', res, now()));
        continue;
      }
      const conflicts = res.conflicts ?? [];
      const args = { ...row.args };
      // The server kept newer values for these: stop showing ours before the pull.
      for (const c of conflicts) if (c.field !== 'id') delete args[c.field];
      await db.outbox.put({ ...row, args, state: 'acked', revision: res.revision ?? null, error: null });
      // No notice of our own: the pulled `conflicts` record tells each person once (issue 15).
      if (conflicts.length) summary.merged++;
    }
    for (const row of batch) {
      if (!answered.has(row.id)) await db.outbox.update(row.id, { state: 'pending' });
    }
    await db.journal.where('acked_at').below(now() - JOURNAL_MS).delete();
  });
  return summary;
}

function journalOf(row: OutboxRow, at: number): JournalRow {
  const { id, seq, name, args, hlc, collection, record_id, created_at } = row;
  return { id, seq, name, args, hlc, collection, record_id, created_at, acked_at: at };
}

/**
 * The server's last seq is behind what it answered (it was restored from a
 * backup): put seqs `from`..`to` back in the outbox from the journal, to be
 * sent again as they were. False when the journal no longer holds them all.
 */
export async function resendFromJournal(db: LocalDB, from: number, to: number): Promise<boolean> {
  return db.transaction('rw', [db.outbox, db.journal], async () => {
    const rows = await db.journal.where('seq').between(from, to, true, true).toArray();
    if (rows.length !== to - from + 1) return false;
    for (const { acked_at: _, ...row } of rows) {
      const inOutbox = await db.outbox.get(row.id);
      if (inOutbox) await db.outbox.update(row.id, { state: 'pending' });
      else await db.outbox.add({ ...row, state: 'pending' });
    }
    return true;
  });
}

function noticeOf(row: OutboxRow, kind: NoticeKind, res: MutationResult, at: number): NoticeRow {
  return {
    id: row.id,
    kind,
    code: kind === 'merged' ? 'newer_edit' : res.error?.code ?? 'unknown',
    message: res.error?.message ?? '',
    field: res.error?.field ?? null,
    error_args: res.error?.args ?? {},
    name: row.name,
    args: row.args,
    seq: row.seq,
    collection: row.collection,
    record_id: row.record_id,
    conflicts: res.conflicts ?? [],
    created_at: at,
  };
}

export async function dismissNotice(db: LocalDB, id: string): Promise<void> {
  await db.notices.delete(id);
}

// ---- pull ------------------------------------------------------------------

export interface StorePullOptions {
  /** Acked mutations to drop once the pull has caught up (those acked before it started). */
  dropAcked?: string[];
  now?: () => number;
}

/**
 * Store one pull page and move the cursor, in one transaction. Each change
 * replaces the record's server state; acked mutations the change answers are
 * dropped from the overlay. On the last page (has_more false) the pull has
 * caught up with every answer given before it began, so `dropAcked` go too.
 */
export async function storePull(db: LocalDB, page: PullResponse, opts: StorePullOptions = {}): Promise<void> {
  const now = opts.now ?? Date.now;
  await db.transaction('rw', [...db.serverTables(), db.outbox, db.meta], async () => {
    const acked = await db.outbox.where('state').equals('acked').toArray();
    const ackedByRecord = new Map<string, OutboxRow[]>();
    for (const r of acked) {
      const k = `${r.collection}\u0000${r.record_id}`;
      ackedByRecord.set(k, [...(ackedByRecord.get(k) ?? []), r]);
    }
    const drop = new Set<string>();
    for (const c of page.changes) {
      const table = db.serverTable(c.collection);
      if (!table) continue; // a collection this build does not know yet
      if (c.deleted) await table.delete(c.id);
      else await table.put(rowOf(c));
      for (const r of ackedByRecord.get(`${c.collection}\u0000${c.id}`) ?? []) {
        if (c.deleted || r.revision == null || r.revision <= c.revision) drop.add(r.id);
      }
    }
    if (!page.has_more) for (const id of opts.dropAcked ?? []) drop.add(id);
    if (drop.size) await db.outbox.bulkDelete([...drop]);
    await db.meta.put({ key: META.cursor, value: page.cursor });
    if (!page.has_more) await db.meta.put({ key: META.lastSyncedAt, value: now() });
  });
}

function rowOf(c: Change): ServerRow {
  return { id: c.id, revision: c.revision, fields: c.fields };
}

/** `reset: true` or a bad cursor: drop all server state (never the outbox) and the cursor, together. */
export async function resetServerState(db: LocalDB): Promise<void> {
  await db.transaction('rw', [...db.serverTables(), db.meta], async () => {
    for (const t of db.serverTables()) await t.clear();
    await db.meta.delete(META.cursor);
  });
}

// ---- what the views read ---------------------------------------------------

export interface Snapshot {
  findings: ServerRow[];
  finding_comments: ServerRow[];
  keys: ServerRow[];
  key_events: ServerRow[];
  patrol_templates: ServerRow[];
  patrols: ServerRow[];
  conflicts: ServerRow[];
  outbox: OutboxRow[];
  notices: NoticeRow[];
  meta: Record<string, unknown>;
}

/** Everything the views show, read in one transaction (so the overlay is consistent). */
export async function snapshot(db: LocalDB): Promise<Snapshot> {
  return db.transaction('r', [...db.serverTables(), db.outbox, db.notices, db.meta], async () => {
    const [findings, comments, outbox, notices, meta, keys, keyEvents, templates, patrols, conflicts] = await Promise.all([
      db.findings.toArray(),
      db.finding_comments.toArray(),
      db.outbox.orderBy('seq').toArray(),
      db.notices.orderBy('created_at').reverse().toArray(),
      db.meta.toArray(),
      db.keys.toArray(),
      db.key_events.toArray(),
      db.patrol_templates.toArray(),
      db.patrols.toArray(),
      db.conflicts.toArray(),
    ]);
    return {
      findings,
      finding_comments: comments,
      keys,
      key_events: keyEvents,
      patrol_templates: templates,
      patrols,
      conflicts,
      outbox,
      notices,
      meta: Object.fromEntries(meta.map((m) => [m.key, m.value])),
    };
  });
}

/** Call `next` with `query`'s answer now and whenever the tables it read change (in any tab). */
export function watch<T>(query: () => Promise<T>, next: (value: T) => void, error?: (err: unknown) => void): () => void {
  const sub = liveQuery(query).subscribe({
    next,
    error: error ?? ((err: unknown) => console.warn('fieldkeep: live query failed', err)),
  });
  return () => sub.unsubscribe();
}
