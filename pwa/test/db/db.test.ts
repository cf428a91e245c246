import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  clearUser,
  database,
  loadLang,
  loadPendingLogout,
  loadUser,
  saveLang,
  saveUser,
  setMeta,
  setPendingLogout,
} from '../../src/db/db';
import type { User } from '../../src/app/api-types';

const alice: User = {
  id: '7',
  username: 'alice',
  display_name: '王丽',
  roles: ['patrol', 'supervisor'],
  sites: [{ id: 's1', name: '阳光花园' }],
  language: 'zh-CN',
};

let n = 0;
beforeEach(() => {
  database(`fieldkeep-test-${++n}`);
});

describe('local database', () => {
  it('keeps the signed-in user across opens', async () => {
    expect(await loadUser()).toBeNull();
    await saveUser(alice);
    const name = database().name;
    database().close();
    database(`${name}-other`);
    expect(await loadUser()).toBeNull();
    database(name);
    expect(await loadUser()).toEqual(alice);
    await clearUser();
    expect(await loadUser()).toBeNull();
  });

  it('ignores a stored user that is not one', async () => {
    await setMeta('user', { id: 5 });
    expect(await loadUser()).toBeNull();
  });

  it('stores the chosen language and a pending sign-out', async () => {
    expect(await loadLang()).toBeNull();
    await saveLang('en');
    expect(await loadLang()).toBe('en');
    await setMeta('lang', 'fr');
    expect(await loadLang()).toBeNull();

    expect(await loadPendingLogout()).toBe(false);
    await setPendingLogout(true);
    expect(await loadPendingLogout()).toBe(true);
    await setPendingLogout(false);
    expect(await loadPendingLogout()).toBe(false);
  });
});
