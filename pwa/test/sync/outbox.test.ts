import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  enqueue,
  ensureDevice,
  getLocalMeta,
  LocalDB,
  localDbName,
  META,
  openLocal,
  closeLocal,
  setLocalMeta,
  unsent,
  type NewMutation,
  type OutboxRow,
} from '../../src/db/local';
import { push, takeBatch } from '../../src/sync/client';
import { parseStamp } from '../../src/sync/hlc';
import { FakeServer } from './fake-server';

let n = 0;
let db: LocalDB;
beforeEach(() => {
  db = new LocalDB(`fieldkeep-outbox-${++n}`);
});

const upsert = (id: string, fields: Record<string, unknown> = {}): NewMutation => ({
  name: 'findings.upsert',
  args: { id, ...fields },
  collection: 'findings',
  record_id: id,
});

describe('local databases', () => {
  it('are one per user, each with its own device id', async () => {
    expect(localDbName('7')).toBe('fieldkeep-7');
    const a = openLocal('7', `fieldkeep-7-t${n}`);
    const devA = await ensureDevice(a);
    expect(await ensureDevice(a)).toBe(devA);
    await enqueue(a, upsert('x'));
    const b = openLocal('8', `fieldkeep-8-t${n}`);
    expect(a.isOpen()).toBe(false); // the other user's store was closed
    const devB = await ensureDevice(b);
    expect(devB).not.toBe(devA);
    expect(await b.outbox.count()).toBe(0);
    closeLocal();
    const again = openLocal('7', `fieldkeep-7-t${n}`);
    expect(await ensureDevice(again)).toBe(devA);
    expect(await again.outbox.count()).toBe(1);
    closeLocal();
  });
});

describe('outbox', () => {
  it('numbers mutations 1, 2, 3 … with stamps that follow seq, even if the clock goes back', async () => {
    let now = 5_000;
    const rows: OutboxRow[] = [];
    for (const t of [5_000, 5_000, 4_000, 9_000]) {
      now = t;
      rows.push(await enqueue(db, upsert(`f${rows.length}`), { now: () => now }));
    }
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.hlc > rows[i - 1]!.hlc).toBe(true);
    const device = await getLocalMeta<string>(db, META.deviceId);
    expect(rows.every((r) => parseStamp(r.hlc).node === device)).toBe(true);
    expect(await getLocalMeta(db, META.nextSeq)).toBe(5);
    expect(await getLocalMeta(db, META.hlc)).toBe(rows[3]!.hlc);
  });

  it('gives unique consecutive seqs to concurrent writes (as from two tabs)', async () => {
    const other = new LocalDB(db.name); // a second connection, like another tab
    const rows = await Promise.all(
      Array.from({ length: 20 }, (_, i) => enqueue(i % 2 ? other : db, upsert(`f${i}`))),
    );
    expect(rows.map((r) => r.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const bySeq = [...rows].sort((a, b) => a.seq - b.seq);
    for (let i = 1; i < bySeq.length; i++) expect(bySeq[i]!.hlc > bySeq[i - 1]!.hlc).toBe(true);
    other.close();
  });

  it('writes the mutation, the seq counter and dismissed notices in one transaction', async () => {
    await enqueue(db, upsert('a'));
    await db.notices.put({
      id: 'n1', kind: 'rejected', code: 'record_locked', message: '', field: null, name: 'findings.upsert',
      args: { id: 'a' }, seq: 1, collection: 'findings', record_id: 'a', conflicts: [], created_at: 1,
    });
    // A value IndexedDB cannot store makes the outbox write fail half-way through.
    await expect(enqueue(db, upsert('a', { bad: () => 1 }), { dismiss: ['n1'] })).rejects.toThrow();
    expect(await db.outbox.count()).toBe(1);
    expect(await getLocalMeta(db, META.nextSeq)).toBe(2); // not advanced
    expect(await db.notices.get('n1')).toBeDefined(); // not dismissed
    const ok = await enqueue(db, upsert('a', { status: 'open' }), { dismiss: ['n1'] });
    expect(ok.seq).toBe(2); // no gap left behind by the failed write
    expect(await db.notices.get('n1')).toBeUndefined();
  });

  it('rolls the mutation back when a later write of its transaction fails', async () => {
    await enqueue(db, upsert('a'));
    const put = db.meta.put.bind(db.meta);
    const spy = vi.spyOn(db.meta, 'put').mockImplementation((row, key) => {
      if ((row as { key: string }).key === META.hlc) throw new Error('disk full');
      return put(row, key);
    });
    await expect(enqueue(db, upsert('b'))).rejects.toThrow('disk full');
    spy.mockRestore();
    expect((await db.outbox.toArray()).map((r) => r.record_id)).toEqual(['a']);
    expect(await getLocalMeta(db, META.nextSeq)).toBe(2);
    expect((await enqueue(db, upsert('b'))).seq).toBe(2);
  });

  it('lists unsent mutations in seq order, leaving acked ones out', async () => {
    for (let i = 0; i < 5; i++) await enqueue(db, upsert(`f${i}`));
    const all = await db.outbox.toArray();
    await db.outbox.update(all.find((r) => r.seq === 2)!.id, { state: 'acked' });
    await db.outbox.update(all.find((r) => r.seq === 4)!.id, { state: 'sending' });
    expect((await unsent(db)).map((r) => r.seq)).toEqual([1, 3, 4, 5]);
  });

  it('cuts batches by count and by size, always in seq order', async () => {
    const rows = Array.from({ length: 7 }, (_, i) => ({
      id: `m${i}`, seq: i + 1, name: 'findings.upsert', args: { id: `f${i}`, description: 'x'.repeat(1000) },
      hlc: '', state: 'pending' as const, collection: 'findings', record_id: `f${i}`, created_at: 0,
    }));
    expect(takeBatch(rows, 3).map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(takeBatch(rows, 500, 2_500).map((r) => r.seq)).toEqual([1, 2]);
    // one mutation bigger than the byte limit still goes alone (the server may answer 413)
    expect(takeBatch(rows, 500, 10).map((r) => r.seq)).toEqual([1]);
  });

  it('pushes in batches of at most 500, each in seq order, seqs strictly increasing across batches', async () => {
    for (let i = 0; i < 1_201; i++) await enqueue(db, upsert(`f${i}`, { site_id: 1 }));
    const server = new FakeServer();
    const out = await push({ db, api: server.api() });
    expect(out).toMatchObject({ ok: true, pushed: 1_201 });
    const batches = server.pushes().map((b) => b.mutations.map((m) => m.seq));
    expect(batches.map((b) => b.length)).toEqual([500, 500, 201]);
    const flat = batches.flat();
    expect(flat).toEqual(Array.from({ length: 1_201 }, (_, i) => i + 1));
    const device = await getLocalMeta<string>(db, META.deviceId);
    expect(server.pushes().every((b) => b.device_id === device)).toBe(true);
    expect(await unsent(db)).toEqual([]);
  }, 60_000); // 1,201 IndexedDB writes and their answers: slow on a loaded machine, not wrong

  it('keeps the seq counter where a new install left it (no reuse after reopening)', async () => {
    await enqueue(db, upsert('a'));
    await setLocalMeta(db, META.nextSeq, 40);
    expect((await enqueue(db, upsert('b'))).seq).toBe(40);
    db.close();
    const again = new LocalDB(db.name);
    expect((await enqueue(again, upsert('c'))).seq).toBe(41);
    again.close();
  });
});

describe('base_revision', () => {
  it('an upsert carries the revision of the record as last pulled; a new record has none', async () => {
    const fresh = await enqueue(db, upsert('new', { location: '东侧' }));
    expect(fresh.args).not.toHaveProperty('base_revision');
    await db.findings.put({ id: 'old', revision: 7, fields: { location: '西侧' } });
    const edit = await enqueue(db, upsert('old', { location: '东侧' }));
    expect(edit.args.base_revision).toBe(7);
    // An acked push's revision is not a pull: the base stays what was pulled.
    await db.outbox.update(edit.id, { state: 'acked', revision: 9 });
    const again = await enqueue(db, upsert('old', { location: '北侧' }));
    expect(again.args.base_revision).toBe(7);
  });

  it('other intents carry no base, and a given base (keep mine) is kept', async () => {
    await db.findings.put({ id: 'old', revision: 3, fields: {} });
    const del = await enqueue(db, { name: 'findings.delete', args: { id: 'old' }, collection: 'findings', record_id: 'old' });
    expect(del.args).not.toHaveProperty('base_revision');
    const kept = await enqueue(db, upsert('old', { base_revision: 2 }));
    expect(kept.args.base_revision).toBe(2);
  });
});
