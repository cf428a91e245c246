import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { database, loadPendingLogout, loadUser, saveLang, saveUser } from '../../src/db/db';
import { lang } from '../../src/i18n';
import type { User } from '../../src/app/api-types';
import { boot, chooseLang, flushPendingLogout, refreshUser, signIn, signOut } from '../../src/app/session';
import { booting, loginNotice, online, user } from '../../src/app/state';

const stored: User = {
  id: '1',
  username: 'li',
  display_name: '李明',
  roles: ['patrol'],
  sites: [{ id: 's1', name: '阳光花园' }],
};

type Handler = (url: string, init: RequestInit) => Response | Promise<Response>;
let handler: Handler;
const seen: string[] = [];
const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

let n = 0;
beforeEach(() => {
  database(`fieldkeep-session-${++n}`);
  seen.length = 0;
  user.value = null;
  booting.value = true;
  loginNotice.value = null;
  online.value = true;
  vi.stubGlobal('fetch', (url: string, init: RequestInit) => {
    seen.push(`${init.method} ${url}`);
    return Promise.resolve(handler(url, init));
  });
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe('session', () => {
  it('opens with the stored user and keeps it when the server cannot be reached', async () => {
    await saveUser(stored);
    handler = () => Promise.reject(new TypeError('Failed to fetch')) as never;
    await boot();
    expect(booting.value).toBe(false);
    expect(user.value).toEqual(stored);
    await refreshUser();
    expect(user.value).toEqual(stored);
    expect(await loadUser()).toEqual(stored);
  });

  it('keeps the stored user on a server error, and refreshes it on success', async () => {
    await saveUser(stored);
    handler = () => json(503, { error: { code: 'unavailable', message: 'down' } });
    await boot();
    await refreshUser();
    expect(user.value).toEqual(stored);

    handler = () => json(200, { user: { ...stored, display_name: '李明明', sites: [] } });
    await refreshUser();
    expect(user.value?.display_name).toBe('李明明');
    expect((await loadUser())?.sites).toEqual([]);
  });

  it('asks to sign in again only on 401', async () => {
    await saveUser(stored);
    handler = () => json(401, { error: { code: 'not_authenticated', message: 'no' } });
    await boot();
    await refreshUser();
    expect(user.value).toBeNull();
    expect(loginNotice.value).toBe('login.session_expired');
    expect(await loadUser()).toBeNull();
  });

  it('signs in, stores the user and follows the account language unless one was chosen', async () => {
    handler = (url) =>
      url === '/api/auth/csrf'
        ? json(200, { csrf_token: 't' })
        : json(200, { user: { ...stored, language: 'en' } });
    await boot();
    lang.value = 'zh-CN';
    await signIn('li', 'pw');
    expect(seen).toEqual(['GET /api/auth/csrf', 'POST /api/auth/login']);
    expect(user.value?.username).toBe('li');
    expect(await loadUser()).toMatchObject({ id: '1', language: 'en' });
    expect(lang.value).toBe('en');
  });

  it('keeps a language chosen in settings on the account, so other devices follow it', async () => {
    handler = (url) =>
      url === '/api/auth/csrf' ? json(200, { csrf_token: 't' }) : json(200, { user: { ...stored } });
    await boot();
    await signIn('li', 'pw');
    seen.length = 0;
    await chooseLang('en');
    expect(lang.value).toBe('en');
    expect(seen).toContain('PATCH /api/auth/me');
  });

  it('keeps the language the person chose', async () => {
    await saveLang('zh-CN');
    handler = (url) =>
      url === '/api/auth/csrf' ? json(200, { csrf_token: 't' }) : json(200, { user: { ...stored, language: 'en' } });
    await boot();
    await signIn('li', 'pw');
    expect(lang.value).toBe('zh-CN');
  });

  it('signs out offline and ends the server session once back online', async () => {
    await saveUser(stored);
    handler = () => Promise.reject(new TypeError('Failed to fetch')) as never;
    await boot();
    await signOut();
    expect(user.value).toBeNull();
    expect(await loadUser()).toBeNull();
    expect(await loadPendingLogout()).toBe(true);

    handler = (url) => (url === '/api/auth/csrf' ? json(200, { csrf_token: 't' }) : new Response(null, { status: 204 }));
    seen.length = 0;
    await flushPendingLogout();
    expect(seen).toEqual(['GET /api/auth/csrf', 'POST /api/auth/logout']);
    expect(await loadPendingLogout()).toBe(false);
  });

  it('sends the push endpoint with the sign-out, also when the sign-out waited for the network', async () => {
    await saveUser(stored);
    handler = () => Promise.reject(new TypeError('Failed to fetch')) as never;
    await boot();
    await signOut('https://push.example/sub/1');
    expect(await loadPendingLogout()).toBe('https://push.example/sub/1');

    const bodies: unknown[] = [];
    handler = (url, init) => {
      if (url === '/api/auth/logout') bodies.push(JSON.parse(String(init.body)));
      return url === '/api/auth/csrf' ? json(200, { csrf_token: 't' }) : new Response(null, { status: 204 });
    };
    await flushPendingLogout();
    expect(bodies).toEqual([{ push_endpoint: 'https://push.example/sub/1' }]);
    expect(await loadPendingLogout()).toBe(false);
  });

  it("ends the last user's pending sign-out before the next user signs in", async () => {
    await saveUser(stored);
    handler = () => Promise.reject(new TypeError('Failed to fetch')) as never;
    await boot();
    await signOut('https://push.example/sub/1');
    handler = (url) =>
      url === '/api/auth/csrf'
        ? json(200, { csrf_token: 't' })
        : url === '/api/auth/login'
          ? json(200, { user: { ...stored, id: '2', username: 'wang' } })
          : new Response(null, { status: 204 });
    seen.length = 0;
    await signIn('wang', 'pw');
    expect(seen.filter((s) => s.startsWith('POST'))).toEqual(['POST /api/auth/logout', 'POST /api/auth/login']);
    expect(user.value?.username).toBe('wang');
    expect(await loadPendingLogout()).toBe(false);
  });
});
