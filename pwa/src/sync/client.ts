// One sync run: push the outbox in seq order, then pull until caught up.
// No timers, no signals: runner.ts decides when to run and shows progress.
import {
  applyResults,
  ensureDevice,
  getLocalMeta,
  META,
  resetServerState,
  resendFromJournal,
  setState,
  storePull,
  unsent,
  type LocalDB,
  type OutboxRow,
} from '../db/local';
import { ApiError, isNetworkError, type Api } from './api';
import { parsePull, parsePush, type PushRequest } from './wire';

export const MAX_BATCH = 500;
export const MAX_BATCH_BYTES = 2 * 1024 * 1024;
export const PULL_LIMIT = 500;

/** Why a run stopped early. `retry` failures are retried with backoff; the others wait for a person. */
export type SyncFailure =
  | { kind: 'network' }
  | { kind: 'unauthorized'; code: string }
  | { kind: 'device_mismatch' }
  | { kind: 'too_large' }
  | { kind: 'stalled'; code: string }
  | { kind: 'server'; status: number; code: string; message: string };

export type SyncOutcome =
  | { ok: true; pushed: number; rejected: number; merged: number; pulled: number }
  | { ok: false; failure: SyncFailure; pushed: number };

export interface SyncDeps {
  db: LocalDB;
  api: Api;
  /** Mutations answered so far of all to send in this run. */
  onProgress?: (sent: number, total: number) => void;
  now?: () => number;
}

const encoder = new TextEncoder();

function bytes(v: unknown): number {
  return encoder.encode(JSON.stringify(v)).length;
}

/** The first rows (seq order) that fit in one push: at most `limit` mutations and MAX_BATCH_BYTES. */
export function takeBatch(rows: OutboxRow[], limit: number, maxBytes: number = MAX_BATCH_BYTES): OutboxRow[] {
  const batch: OutboxRow[] = [];
  let size = 64; // the envelope
  for (const r of rows) {
    if (batch.length >= limit) break;
    const b = bytes(wire(r)) + 1;
    if (batch.length > 0 && size + b > maxBytes) break;
    batch.push(r);
    size += b;
  }
  return batch;
}

function wire(r: OutboxRow) {
  return { id: r.id, seq: r.seq, name: r.name, args: r.args, hlc: r.hlc };
}

function failureOf(err: unknown): SyncFailure {
  if (isNetworkError(err)) return { kind: 'network' };
  if (err instanceof ApiError) {
    if (err.status === 401) return { kind: 'unauthorized', code: err.code };
    if (err.status === 409 && err.code === 'device_mismatch') return { kind: 'device_mismatch' };
    return { kind: 'server', status: err.status, code: err.code, message: err.message };
  }
  return { kind: 'server', status: 0, code: 'unknown', message: '' };
}

/** Push, then pull. Safe to call again after any failure: nothing is lost or sent twice. */
export async function syncOnce(deps: SyncDeps): Promise<SyncOutcome> {
  const pushed = await push(deps);
  if (!pushed.ok) return pushed;
  try {
    const pulled = await pull(deps);
    return { ...pushed, pulled };
  } catch (err) {
    return { ok: false, failure: failureOf(err), pushed: pushed.pushed };
  }
}

type PushOutcome =
  | { ok: true; pushed: number; rejected: number; merged: number }
  | { ok: false; failure: SyncFailure; pushed: number };

export async function push(deps: SyncDeps): Promise<PushOutcome> {
  const { db, api } = deps;
  const deviceId = await ensureDevice(db);
  let limit = MAX_BATCH;
  let sent = 0;
  let rejected = 0;
  let merged = 0;
  let resent = false;
  for (;;) {
    const rows = await unsent(db);
    if (rows.length === 0) break;
    deps.onProgress?.(sent, sent + rows.length);
    const batch = takeBatch(rows, limit);
    const ids = batch.map((r) => r.id);
    await setState(db, ids, 'sending');
    const body: PushRequest = { device_id: deviceId, mutations: batch.map(wire) };
    let raw: unknown;
    try {
      raw = await api.post('/api/sync/push', body);
    } catch (err) {
      await setState(db, ids, 'pending');
      if (err instanceof ApiError && err.status === 413) {
        // Too big for the server: halve the batch; one mutation alone that is too big can never go.
        if (batch.length === 1) return { ok: false, failure: { kind: 'too_large' }, pushed: sent };
        limit = Math.max(1, Math.floor(batch.length / 2));
        continue;
      }
      return { ok: false, failure: failureOf(err), pushed: sent };
    }
    const res = parsePush(raw);
    if (!res) {
      await setState(db, ids, 'pending');
      return { ok: false, failure: { kind: 'server', status: 200, code: 'bad_response', message: '' }, pushed: sent };
    }
    const summary = await applyResults(db, batch, res.results, deps.now);
    sent += summary.final;
    rejected += summary.rejected;
    merged += summary.merged;
    deps.onProgress?.(sent, sent + rows.length - summary.final);
    if (summary.final === 0) {
      const first = rows[0]!.seq;
      const lost = res.applied_through + 1 < first;
      // A restored server lost seqs it had answered: send them again from the journal, once.
      if (lost && !resent && (await resendFromJournal(db, res.applied_through + 1, first - 1))) {
        resent = true;
        continue;
      }
      // Nothing became final: the server waits for a seq this device no longer
      // holds (or answered nothing). Resending would only spin.
      const code = lost ? 'seq_gap' : 'no_progress';
      return { ok: false, failure: { kind: 'stalled', code }, pushed: sent };
    }
    // Deferred ones stay pending and go again from applied_through + 1 (the next loop).
  }
  return { ok: true, pushed: sent, rejected, merged };
}

/** Pull until has_more is false; returns how many changes were stored. */
export async function pull(deps: SyncDeps): Promise<number> {
  const { db, api } = deps;
  const stored = await getLocalMeta<string>(db, META.cursor);
  let cursor: string | null = typeof stored === 'string' && stored !== '' ? stored : null;
  // Answered before this pull began: the pull's final cursor covers them.
  const dropAcked = (await db.outbox.where('state').equals('acked').primaryKeys()) as string[];
  let resets = 0;
  let count = 0;
  for (;;) {
    const query = new URLSearchParams();
    if (cursor !== null) query.set('cursor', cursor);
    query.set('limit', String(PULL_LIMIT));
    let raw: unknown;
    try {
      raw = await api.get(`/api/sync/pull?${query.toString()}`);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'bad_cursor' && cursor !== null && resets === 0) {
        resets++;
        await resetServerState(db);
        cursor = null;
        continue;
      }
      throw err;
    }
    const page = parsePull(raw);
    if (!page) throw new ApiError(200, 'bad_response', '');
    if (page.reset && cursor !== null && resets === 0) {
      // Restored server, or our scope changed: start over, keeping the outbox.
      resets++;
      await resetServerState(db);
      cursor = null;
      continue;
    }
    await storePull(db, page, { dropAcked, now: deps.now });
    count += page.changes.length;
    cursor = page.cursor;
    if (!page.has_more) return count;
  }
}
