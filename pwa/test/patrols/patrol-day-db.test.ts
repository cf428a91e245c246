// The local store of issue 7: version 3 adds keys, key_events, patrol_templates
// and patrols, and drops the pull cursor so the next pull brings them from scratch.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { getLocalMeta, LocalDB, META, setLocalMeta, snapshot, storePull } from '../../src/db/local';

describe('local store, issue 7', () => {
  it('stores the new collections pulled, and shows them in the snapshot', async () => {
    const db = new LocalDB('fieldkeep-issue7-a');
    await storePull(db, {
      cursor: 'c1',
      has_more: false,
      changes: [
        { collection: 'keys', id: 'k1', revision: 1, deleted: false, fields: { code: 'A', site_id: 1 } },
        { collection: 'key_events', id: 'e1', revision: 2, deleted: false, fields: { key_id: 'k1', kind: 'checkout' } },
        { collection: 'patrol_templates', id: 'site-1-v1', revision: 3, deleted: false, fields: { site_id: 1, version: 1, items: [] } },
        { collection: 'patrols', id: 'p1', revision: 4, deleted: false, fields: { status: 'draft' } },
      ],
    });
    const s = await snapshot(db);
    expect([s.keys.length, s.key_events.length, s.patrol_templates.length, s.patrols.length]).toEqual([1, 1, 1, 1]);
    db.close();
  });

  it('upgrading an older store drops the cursor, so the new collections are pulled in full', async () => {
    const { default: Dexie } = await import('dexie');
    const old = new Dexie('fieldkeep-issue7-b');
    old.version(2).stores({
      findings: 'id',
      finding_comments: 'id, fields.finding_id',
      outbox: 'id, &seq, state',
      notices: 'id, record_id, created_at',
      meta: 'key',
      photos: 'hash, state, created_at',
    });
    await old.table('meta').put({ key: META.cursor, value: 'old-cursor' });
    await old.table('meta').put({ key: META.deviceId, value: 'dev-1' });
    old.close();
    const db = new LocalDB('fieldkeep-issue7-b');
    expect(await getLocalMeta(db, META.cursor)).toBeUndefined();
    expect(await getLocalMeta(db, META.deviceId)).toBe('dev-1');
    await setLocalMeta(db, META.cursor, 'new');
    expect((await snapshot(db)).patrols).toEqual([]);
    db.close();
  });
});
