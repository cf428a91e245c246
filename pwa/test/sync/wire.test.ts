import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import '../../src/i18n/error-texts'; // loaded after start in the app
import { applyResults, enqueue, LocalDB } from '../../src/db/local';
import { errorText } from '../../src/i18n/errors';
import { parsePush } from '../../src/sync/wire';

const refused = {
  id: 'm1',
  status: 'rejected',
  error: { code: 'key_handed_over', message: '钥匙已转交给张伟。 / …', field: 'key_id', args: { name: '张伟', n: 2, bad: { x: 1 } } },
};

describe('a rejected result', () => {
  it('keeps the error args a text can show', () => {
    const res = parsePush({ results: [refused], applied_through: 1 });
    expect(res?.results[0]?.error).toEqual({ code: 'key_handed_over', message: '钥匙已转交给张伟。 / …', field: 'key_id', args: { name: '张伟', n: 2 } });
    expect(parsePush({ results: [{ ...refused, error: { code: 'forbidden' } }], applied_through: 1 })?.results[0]?.error?.args).toEqual({});
  });

  it('leaves a notice whose reason names the person, in either language', async () => {
    const db = new LocalDB('fieldkeep-wire-1');
    const row = await enqueue(db, { name: 'keys.checkin', args: { id: 'e1', key_id: 'k1' }, collection: 'keys', record_id: 'k1' });
    const res = parsePush({ results: [{ ...refused, id: row.id }], applied_through: 1 })!;
    await applyResults(db, [row], res.results);
    const [notice] = await db.notices.toArray();
    expect(notice!.error_args).toEqual({ name: '张伟', n: 2 });
    const shown = { code: notice!.code, message: notice!.message, args: notice!.error_args };
    expect(errorText(shown, 'zh-CN')).toBe('钥匙已转交给张伟。');
    expect(errorText(shown, 'en')).toBe('The key was handed over to 张伟.');
    expect(await db.outbox.count()).toBe(0);
    db.close();
  });
});
