import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  enqueue,
  getLocalMeta,
  LocalDB,
  META,
  setLocalMeta,
  snapshot,
  unsent,
  type NewMutation,
} from '../../src/db/local';
import { findingsView } from '../../src/findings/finding';
import { pull, push, syncOnce } from '../../src/sync/client';
import { FakeServer } from './fake-server';

let n = 0;
let db: LocalDB;
let server: FakeServer;
beforeEach(() => {
  db = new LocalDB(`fieldkeep-sync-${++n}`);
  server = new FakeServer();
});
afterEach(() => {
  db.close();
});

const upsert = (id: string, fields: Record<string, unknown> = {}): NewMutation => ({
  name: 'findings.upsert',
  args: { id, ...fields },
  collection: 'findings',
  record_id: id,
});

const NEW = { site_id: 1, category: 'patrol', description: 'water on the floor', status: 'open', photos: [] };

async function view() {
  const s = await snapshot(db);
  return findingsView(s.findings, s.outbox, 7);
}

describe('push results', () => {
  it('applied: leaves the outbox, the edit stays visible until the pull brings it, the cursor moves', async () => {
    await enqueue(db, upsert('f1', NEW));
    const progress: [number, number][] = [];
    const out = await syncOnce({ db, api: server.api(), onProgress: (s, t) => progress.push([s, t]), now: () => 123 });
    expect(out).toMatchObject({ ok: true, pushed: 1, rejected: 0, merged: 0, pulled: 1 });
    expect(progress).toEqual([[0, 1], [1, 1]]);
    expect(await db.outbox.count()).toBe(0); // acked, then dropped by the pull that brought revision 1
    expect(await db.findings.get('f1')).toMatchObject({ revision: 1, fields: { description: 'water on the floor', created_by: 7 } });
    expect(await getLocalMeta(db, META.cursor)).toBe('c1:1');
    expect(await getLocalMeta(db, META.lastSyncedAt)).toBe(123);
    expect((await view())[0]).toMatchObject({ id: 'f1', pending: 0, revision: 1 });
  });

  it('applied but the pull failed: the edit still shows (acked overlay), not pending, and is not sent again', async () => {
    await enqueue(db, upsert('f1', NEW));
    const api = server.api();
    expect(await push({ db, api })).toMatchObject({ ok: true, pushed: 1 });
    expect(await unsent(db)).toEqual([]);
    expect((await view())[0]).toMatchObject({ id: 'f1', pending: 0, revision: null, description: 'water on the floor' });
    server.failNext = 1;
    expect(await syncOnce({ db, api })).toMatchObject({ ok: false, failure: { kind: 'network' } });
    expect(server.pushes()).toHaveLength(1);
    expect((await view())[0]!.description).toBe('water on the floor');
    expect(await syncOnce({ db, api })).toMatchObject({ ok: true });
    expect(await db.outbox.count()).toBe(0);
  });

  it('merged: no notice of its own (the conflicts record tells the person once), and shows the kept value', async () => {
    server.serverWrite('findings', 'f1', { ...NEW, created_by: 5 });
    await syncOnce({ db, api: server.api() });
    server.serverWrite('findings', 'f1', { status: 'assigned', assignee_id: 9 }); // a newer stamp than ours
    await enqueue(db, upsert('f1', { status: 'fixed', location: 'B2' }));
    const out = await syncOnce({ db, api: server.api() });
    expect(out).toMatchObject({ ok: true, merged: 1 });
    expect(await db.notices.toArray()).toEqual([]);
    expect((await view())[0]).toMatchObject({ status: 'assigned', location: 'B2', pending: 0 });
  });

  it('merged before the pull: the overlay stops showing the lost field at once', async () => {
    server.serverWrite('findings', 'f1', { ...NEW });
    await syncOnce({ db, api: server.api() });
    server.serverWrite('findings', 'f1', { status: 'assigned' });
    await enqueue(db, upsert('f1', { status: 'fixed', location: 'B2' }));
    await push({ db, api: server.api() });
    const [row] = await db.outbox.toArray();
    expect(row).toMatchObject({ state: 'acked', args: { id: 'f1', location: 'B2' } });
    expect(row!.args).not.toHaveProperty('status');
  });

  it('rejected: leaves the outbox, keeps a notice with the code and what was tried, drops it from the view', async () => {
    server.serverWrite('findings', 'f1', { ...NEW, status: 'closed' });
    await syncOnce({ db, api: server.api() });
    await enqueue(db, upsert('f1', { description: 'more' }));
    await enqueue(db, upsert('f2', NEW));
    expect((await view()).find((f) => f.id === 'f1')!.description).toBe('more');
    const out = await syncOnce({ db, api: server.api() });
    expect(out).toMatchObject({ ok: true, pushed: 2, rejected: 1 });
    expect(await db.outbox.count()).toBe(0);
    const [notice] = await db.notices.toArray();
    expect(notice).toMatchObject({
      kind: 'rejected',
      code: 'record_locked',
      name: 'findings.upsert',
      record_id: 'f1',
      args: { id: 'f1', description: 'more' },
    });
    expect((await view()).find((f) => f.id === 'f1')!.description).toBe('water on the floor');
    expect((await view()).find((f) => f.id === 'f2')).toBeDefined(); // the next one was not held up
  });

  it('duplicate: a resend after a lost answer is taken as its first result, nothing applied twice', async () => {
    await enqueue(db, upsert('f1', NEW));
    await enqueue(db, upsert('f2', { ...NEW, created_by: 1 })); // server-owned: rejected
    server.loseAnswers = 1;
    expect(await syncOnce({ db, api: server.api() })).toMatchObject({ ok: false, failure: { kind: 'network' } });
    expect((await unsent(db)).map((r) => r.state)).toEqual(['pending', 'pending']);
    expect(server.revision).toBe(1); // processed once on the server
    const out = await syncOnce({ db, api: server.api() });
    expect(out).toMatchObject({ ok: true, pushed: 2, rejected: 1 });
    expect(server.revision).toBe(1); // not applied again
    expect(await db.outbox.count()).toBe(0);
    const notices = await db.notices.toArray();
    expect(notices.map((x) => [x.kind, x.code, x.field])).toEqual([['rejected', 'server_owned_field', 'created_by']]);
    expect(await db.findings.count()).toBe(1);
  });

  it('deferred: stays pending and is resent from applied_through + 1', async () => {
    for (let i = 1; i <= 5; i++) await enqueue(db, upsert(`f${i}`, NEW));
    server.deferFrom = 3;
    const out = await push({ db, api: server.api() });
    expect(out).toMatchObject({ ok: true, pushed: 5 });
    const sent = server.pushes().map((b) => b.mutations.map((m) => m.seq));
    expect(sent).toEqual([[1, 2, 3, 4, 5], [3, 4, 5]]);
    expect(await unsent(db)).toEqual([]);
  });

  it('deferred with nothing final (a gap only the server sees): stops instead of spinning', async () => {
    await setLocalMeta(db, META.nextSeq, 5); // as if seqs 1–4 were lost on this phone
    await enqueue(db, upsert('f1', NEW));
    const out = await push({ db, api: server.api() });
    expect(out).toMatchObject({ ok: false, failure: { kind: 'stalled', code: 'seq_gap' } });
    expect(server.pushes()).toHaveLength(1);
    expect((await unsent(db))[0]).toMatchObject({ seq: 5, state: 'pending', error: { code: 'seq_gap' } });
  });
});

describe('a restored server', () => {
  it('gets again from the journal what it answered and lost; every edit ends on the server once', async () => {
    await enqueue(db, upsert('f1', NEW));
    await syncOnce({ db, api: server.api() });
    const backup = server.backup();
    await enqueue(db, upsert('f2', { ...NEW, description: 'acked, then lost to the restore' }));
    await syncOnce({ db, api: server.api() });
    expect(await db.outbox.count()).toBe(0); // answered and pulled: only the journal holds it
    server.restore(backup);
    await enqueue(db, upsert('f3', { ...NEW, description: 'made after the restore' }));
    const out = await syncOnce({ db, api: server.api() });
    expect(out).toMatchObject({ ok: true });
    const onServer = [...server.records.values()].map((r) => r.id).sort();
    expect(onServer).toEqual(['f1', 'f2', 'f3']);
    expect((await view()).map((f) => f.id).sort()).toEqual(['f1', 'f2', 'f3']);
    expect(await db.outbox.count()).toBe(0);
    // Sent again with its own id and seq, after the first try found the gap.
    const f2 = server.pushes().flatMap((p) => p.mutations).filter((m) => m.args.id === 'f2');
    expect(f2.map((m) => m.seq)).toEqual([2, 2]);
  });

  it('a journal that no longer holds the lost seqs stops with seq_gap, keeping the outbox', async () => {
    await enqueue(db, upsert('f1', NEW));
    await syncOnce({ db, api: server.api() });
    const backup = server.backup();
    await enqueue(db, upsert('f2', NEW));
    await syncOnce({ db, api: server.api() });
    await db.journal.clear();
    server.restore(backup);
    await enqueue(db, upsert('f3', NEW));
    const out = await push({ db, api: server.api() });
    expect(out).toMatchObject({ ok: false, failure: { kind: 'stalled', code: 'seq_gap' } });
    expect((await unsent(db)).map((r) => r.record_id)).toEqual(['f3']);
  });

  it('forgets journal rows a month after their answer', async () => {
    let t = 1_000;
    await enqueue(db, upsert('f1', NEW));
    await syncOnce({ db, api: server.api(), now: () => t });
    expect(await db.journal.count()).toBe(1);
    t += 31 * 24 * 3600 * 1000;
    await enqueue(db, upsert('f2', NEW));
    await syncOnce({ db, api: server.api(), now: () => t });
    expect((await db.journal.toArray()).map((r) => r.record_id)).toEqual(['f2']);
  });
});

describe('push failures', () => {
  it('401: stops, keeps the outbox, asks to sign in again', async () => {
    await enqueue(db, upsert('f1', NEW));
    server.authorized = false;
    const out = await syncOnce({ db, api: server.api() });
    expect(out).toMatchObject({ ok: false, failure: { kind: 'unauthorized', code: 'session_expired' } });
    expect((await unsent(db)).map((r) => r.state)).toEqual(['pending']);
    expect(server.pulls()).toHaveLength(0);
  });

  it('413: halves the batch until the server takes it, then goes on at that size', async () => {
    for (let i = 0; i < 10; i++) await enqueue(db, upsert(`f${i}`, NEW));
    server.maxMutations = 3;
    const out = await push({ db, api: server.api() });
    expect(out).toMatchObject({ ok: true, pushed: 10 });
    expect(server.pushes().map((b) => b.mutations.length)).toEqual([10, 5, 2, 2, 2, 2, 2]);
    expect(server.pushes().flatMap((b) => (b.mutations.length <= 3 ? b.mutations.map((m) => m.seq) : []))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('413 for a single mutation: stops with an error and keeps it', async () => {
    await enqueue(db, upsert('f1', NEW));
    server.maxMutations = 0;
    expect(await push({ db, api: server.api() })).toMatchObject({ ok: false, failure: { kind: 'too_large' } });
    expect(await db.outbox.count()).toBe(1);
  });

  it('409 device_mismatch: stops with an error and keeps the outbox', async () => {
    await enqueue(db, upsert('f1', NEW));
    server.mismatch = true;
    expect(await syncOnce({ db, api: server.api() })).toMatchObject({ ok: false, failure: { kind: 'device_mismatch' } });
    expect((await unsent(db)).map((r) => r.state)).toEqual(['pending']);
  });

  it('network error: nothing lost, rows back to pending, the same ids and seqs go next time', async () => {
    await enqueue(db, upsert('f1', NEW));
    server.failNext = 1;
    expect(await syncOnce({ db, api: server.api() })).toMatchObject({ ok: false, failure: { kind: 'network' } });
    expect((await unsent(db)).map((r) => r.state)).toEqual(['pending']);
    expect(await syncOnce({ db, api: server.api() })).toMatchObject({ ok: true, pushed: 1 });
    const [a, b] = server.requests.filter((r) => r.url === '/api/sync/push').map((r) => r.body as { mutations: unknown[] });
    expect(b!.mutations).toEqual(a!.mutations);
  });
});

describe('pull', () => {
  it('pages until has_more is false; each page moves the cursor with its changes', async () => {
    for (let i = 0; i < 1_203; i++) server.serverWrite('findings', `f${i}`, { ...NEW });
    const count = await pull({ db, api: server.api() });
    expect(count).toBe(1_203);
    const q = server.pulls();
    expect(q.map((p) => [p.get('cursor'), p.get('limit')])).toEqual([
      [null, '500'],
      ['c1:500', '500'],
      ['c1:1000', '500'],
    ]);
    expect(await db.findings.count()).toBe(1_203);
    expect(await getLocalMeta(db, META.cursor)).toBe('c1:1203');
  });

  it('moves the cursor only in the transaction that stores the changes', async () => {
    for (let i = 0; i < 3; i++) server.serverWrite('findings', `f${i}`, { ...NEW });
    await pull({ db, api: server.api() });
    server.serverWrite('findings', 'f9', { ...NEW });
    server.serverWrite('findings', 'f0', { description: 'changed' });
    // The store fails after writing the records but before the cursor: all of it must roll back.
    const put = db.meta.put.bind(db.meta);
    const spy = vi.spyOn(db.meta, 'put').mockImplementation((row, key) => {
      if ((row as { key: string }).key === META.cursor) throw new Error('quota exceeded');
      return put(row, key);
    });
    await expect(pull({ db, api: server.api() })).rejects.toThrow('quota exceeded');
    spy.mockRestore();
    expect(await getLocalMeta(db, META.cursor)).toBe('c1:3');
    expect(await db.findings.get('f9')).toBeUndefined();
    expect((await db.findings.get('f0'))!.fields.description).toBe('water on the floor');
    // the next pull starts from the old cursor and gets both
    await pull({ db, api: server.api() });
    expect(server.pulls().at(-1)!.get('cursor')).toBe('c1:3');
    expect((await db.findings.get('f0'))!.fields.description).toBe('changed');
    expect(await db.findings.get('f9')).toBeDefined();
  });

  it('a network failure between pages keeps the pages already stored', async () => {
    for (let i = 0; i < 600; i++) server.serverWrite('findings', `f${i}`, { ...NEW });
    server.failWhen = (req) => req.url.includes('cursor=');
    await expect(pull({ db, api: server.api() })).rejects.toMatchObject({ code: 'network' });
    expect(await db.findings.count()).toBe(500);
    expect(await getLocalMeta(db, META.cursor)).toBe('c1:500');
    server.failWhen = null;
    expect(await pull({ db, api: server.api() })).toBe(100);
    expect(await db.findings.count()).toBe(600);
  });

  it('stores deletions', async () => {
    server.serverWrite('findings', 'f1', { ...NEW });
    server.serverWrite('findings', 'f2', { ...NEW });
    await pull({ db, api: server.api() });
    server.serverDelete('findings', 'f1');
    await pull({ db, api: server.api() });
    expect((await db.findings.toArray()).map((r) => r.id)).toEqual(['f2']);
  });

  it('reset: clears server state (not the outbox) and pulls from scratch without a cursor', async () => {
    server.serverWrite('findings', 'f1', { ...NEW });
    server.serverWrite('findings', 'gone', { ...NEW });
    await syncOnce({ db, api: server.api() });
    await enqueue(db, upsert('f1', { location: 'pending edit' }));
    // The server was restored from a backup: a new epoch, and 'gone' no longer exists.
    server.epoch = 2;
    server.records.delete('findings/gone');
    await pull({ db, api: server.api() });
    const q = server.pulls().slice(-2);
    expect(q.map((p) => p.get('cursor'))).toEqual(['c1:2', null]);
    expect((await db.findings.toArray()).map((r) => r.id)).toEqual(['f1']);
    expect(await getLocalMeta(db, META.cursor)).toBe('c2:2');
    expect((await unsent(db)).map((r) => r.record_id)).toEqual(['f1']);
    expect((await view())[0]!.location).toBe('pending edit');
  });

  it('bad_cursor: starts over from scratch once', async () => {
    server.serverWrite('findings', 'f1', { ...NEW });
    await setLocalMeta(db, META.cursor, 'tampered');
    await db.findings.put({ id: 'stale', revision: 99, fields: {} });
    await pull({ db, api: server.api() });
    expect(server.pulls().map((p) => p.get('cursor'))).toEqual(['tampered', null]);
    expect((await db.findings.toArray()).map((r) => r.id)).toEqual(['f1']);
  });

  it('skips collections this build does not know, and stores comments', async () => {
    server.serverWrite('keys', 'k1', { label: 'A-101' });
    server.serverWrite('finding_comments', 'c1', { finding_id: 'f1', body: 'hi', author_id: 5 });
    expect(await pull({ db, api: server.api() })).toBe(2);
    expect(await db.finding_comments.get('c1')).toMatchObject({ fields: { body: 'hi' } });
  });

  it('comments and deletes round-trip through push and pull', async () => {
    await enqueue(db, upsert('f1', NEW));
    await enqueue(db, { name: 'findings.comment', args: { id: 'c1', finding_id: 'f1', body: 'on my way' }, collection: 'finding_comments', record_id: 'c1' });
    await syncOnce({ db, api: server.api() });
    expect(await db.finding_comments.get('c1')).toMatchObject({ fields: { finding_id: 'f1', body: 'on my way', author_id: 7 } });
    await enqueue(db, { name: 'findings.delete', args: { id: 'f1' }, collection: 'findings', record_id: 'f1' });
    expect(await view()).toEqual([]);
    await syncOnce({ db, api: server.api() });
    expect(await db.findings.count()).toBe(0);
    expect(await db.outbox.count()).toBe(0);
  });
});
