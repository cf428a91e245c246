import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { enqueue, LocalDB, unsent } from '../../src/db/local';
import {
  BACKOFF_BASE_MS,
  BACKOFF_MAX_MS,
  backoffDelay,
  isRetryable,
  LOCK_NAME,
  SyncRunner,
  WRITE_DELAY_MS,
} from '../../src/sync/runner';
import { lastError, progress, syncing } from '../../src/sync/status';
import { FakeServer } from './fake-server';

let n = 0;
let db: LocalDB;
let server: FakeServer;
let runner: SyncRunner | null = null;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
  db = new LocalDB(`fieldkeep-runner-${++n}`);
  server = new FakeServer();
  lastError.value = null;
});
afterEach(() => {
  runner?.stop();
  runner = null;
  db.close();
  vi.useRealTimers();
});

/** Wait for IndexedDB and promises (real setImmediate) without moving the faked clock, as vi.waitFor would. */
async function until(cond: () => boolean | Promise<boolean>, tries = 500): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await cond()) return;
    await new Promise((r) => (globalThis as unknown as { setImmediate: (f: () => void) => void }).setImmediate(() => r(undefined)));
  }
  throw new Error('condition not met');
}

const upsert = (id: string) => ({ name: 'findings.upsert', args: { id, site_id: 1 }, collection: 'findings', record_id: id });

describe('backoff', () => {
  it('grows exponentially with jitter between half and all of the step, capped', () => {
    expect(backoffDelay(0, () => 0)).toBe(BACKOFF_BASE_MS / 2);
    expect(backoffDelay(0, () => 1)).toBe(BACKOFF_BASE_MS);
    expect(backoffDelay(3, () => 1)).toBe(BACKOFF_BASE_MS * 8);
    expect(backoffDelay(50, () => 1)).toBe(BACKOFF_MAX_MS);
    expect(backoffDelay(50, () => 0)).toBe(BACKOFF_MAX_MS / 2);
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(2, Math.random);
      expect(d).toBeGreaterThanOrEqual(BACKOFF_BASE_MS * 2);
      expect(d).toBeLessThanOrEqual(BACKOFF_BASE_MS * 4);
    }
  });

  it('retries network and server trouble, not what needs a person', () => {
    expect(isRetryable({ kind: 'network' })).toBe(true);
    expect(isRetryable({ kind: 'server', status: 503, code: 'server', message: '' })).toBe(true);
    expect(isRetryable({ kind: 'server', status: 429, code: 'rate_limited', message: '' })).toBe(true);
    expect(isRetryable({ kind: 'server', status: 400, code: 'invalid_body', message: '' })).toBe(false);
    expect(isRetryable({ kind: 'unauthorized', code: 'session_expired' })).toBe(false);
    expect(isRetryable({ kind: 'device_mismatch' })).toBe(false);
    expect(isRetryable({ kind: 'too_large' })).toBe(false);
  });
});

describe('sync runner', () => {
  it('after a network error retries with growing delays, then succeeds and stops retrying', async () => {
    await enqueue(db, upsert('f1'));
    server.failNext = 3;
    runner = new SyncRunner({ db, api: server.api(), locks: null, random: () => 1 });
    const first = await runner.request();
    expect(first).toMatchObject({ ok: false, failure: { kind: 'network' } });
    expect(lastError.value).toEqual({ kind: 'network' });
    expect(runner.retrying).toBe(true);
    const at = () => server.requests.length;
    const settle = () => until(() => !syncing.value);
    expect(at()).toBe(1);
    await vi.advanceTimersByTimeAsync(BACKOFF_BASE_MS - 1);
    await settle();
    expect(at()).toBe(1);
    await vi.advanceTimersByTimeAsync(1); // 1st retry after base·2^0
    await until(() => at() === 2);
    await settle();
    await vi.advanceTimersByTimeAsync(BACKOFF_BASE_MS * 2 - 1);
    expect(at()).toBe(2);
    await vi.advanceTimersByTimeAsync(1); // 2nd retry after base·2^1
    await until(() => at() === 3);
    await settle();
    await vi.advanceTimersByTimeAsync(BACKOFF_BASE_MS * 4); // 3rd retry after base·2^2 succeeds: push + pull
    await until(() => lastError.value === null && !syncing.value);
    expect(server.pushes()).toHaveLength(4);
    expect(await unsent(db)).toEqual([]);
    expect(lastError.value).toBeNull();
    expect(runner.retrying).toBe(false);
    expect(syncing.value).toBe(false);
    expect(progress.value).toBeNull();
  });

  it('on 401 calls for a new sign-in, keeps the outbox and does not retry', async () => {
    await enqueue(db, upsert('f1'));
    server.authorized = false;
    const onUnauthorized = vi.fn();
    runner = new SyncRunner({ db, api: server.api(), locks: null, onUnauthorized });
    await runner.request();
    expect(onUnauthorized).toHaveBeenCalledWith('session_expired');
    expect(runner.retrying).toBe(false);
    expect(await db.outbox.count()).toBe(1);
  });

  it('runs under the Web Lock "fieldkeep-sync", one run at a time, once more for requests made meanwhile', async () => {
    const names: string[] = [];
    let held = false;
    const locks = {
      async request(name: string, cb: () => Promise<unknown>) {
        names.push(name);
        expect(held).toBe(false);
        held = true;
        try {
          return await cb();
        } finally {
          held = false;
        }
      },
    };
    runner = new SyncRunner({ db, api: server.api(), locks });
    const a = runner.request();
    const b = runner.request();
    const c = runner.request();
    await Promise.all([a, b, c]);
    expect(names).toEqual([LOCK_NAME, LOCK_NAME]); // the run, and one more for b and c
  });

  it('syncs ~3 s after a local write, once for a burst of writes', async () => {
    runner = new SyncRunner({ db, api: server.api(), locks: null });
    await enqueue(db, upsert('f1'));
    runner.noteWrite();
    await vi.advanceTimersByTimeAsync(1_000);
    await enqueue(db, upsert('f2'));
    runner.noteWrite();
    await vi.advanceTimersByTimeAsync(WRITE_DELAY_MS - 1);
    expect(server.pushes()).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    await until(async () => (await unsent(db)).length === 0 && !syncing.value);
    expect(server.pushes().map((p) => p.mutations.length)).toEqual([2]);
  });

  it('does not try while the browser is offline, except when asked to', async () => {
    let isOnline = false;
    runner = new SyncRunner({ db, api: server.api(), locks: null, isOnline: () => isOnline });
    expect(await runner.request()).toBeNull();
    expect(server.requests).toHaveLength(0);
    expect(await runner.syncNow()).toMatchObject({ ok: true });
    isOnline = true;
    expect(await runner.request()).toMatchObject({ ok: true });
  });

  it('shows progress while pushing', async () => {
    for (let i = 0; i < 3; i++) await enqueue(db, upsert(`f${i}`));
    const seen: unknown[] = [];
    const stop = progress.subscribe((v) => seen.push(v));
    runner = new SyncRunner({ db, api: server.api(), locks: null });
    await runner.request();
    stop();
    expect(seen).toContainEqual({ sent: 0, total: 3 });
    expect(seen).toContainEqual({ sent: 3, total: 3 });
    expect(progress.value).toBeNull();
  });
});
