import { describe, expect, it } from 'vitest';
import {
  ApiError,
  createApi,
  CSRF_COOKIE,
  NetworkError,
  parseRetryAfter,
  readCookie,
  type FetchLike,
} from '../../src/sync/api';

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
  credentials: RequestCredentials | undefined;
}

type Responder = (call: Call) => Response | Promise<Response>;

/** A fake fetch that records each call and answers from a script. */
function fakeFetch(...script: Responder[]) {
  const calls: Call[] = [];
  const fetch: FetchLike = async (url, init) => {
    const call: Call = {
      url,
      method: init.method ?? 'GET',
      headers: { ...(init.headers as Record<string, string>) },
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
      credentials: init.credentials,
    };
    calls.push(call);
    const next = script.shift();
    if (!next) throw new Error(`unexpected request ${call.method} ${url}`);
    return next(call);
  };
  return { fetch, calls };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => () =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

function cookieJar(initial: Record<string, string> = {}) {
  const jar = { ...initial };
  return { jar, getCookie: (name: string) => jar[name] ?? null };
}

describe('api helper', () => {
  it('sends the UI language and same-origin credentials, and no CSRF header on GET', async () => {
    const { fetch, calls } = fakeFetch(json(200, { user: { id: 1 } }));
    let lang = 'en';
    const api = createApi({ fetch, getCookie: () => 'tok', lang: () => lang });
    expect(await api.get('/api/auth/me')).toEqual({ user: { id: 1 } });
    expect(calls[0]).toMatchObject({ url: '/api/auth/me', method: 'GET', credentials: 'same-origin' });
    expect(calls[0]!.headers['Accept-Language']).toBe('en');
    expect(calls[0]!.headers['X-CSRF-Token']).toBeUndefined();

    lang = 'zh-CN';
    const again = fakeFetch(json(200, {}));
    await createApi({ fetch: again.fetch, getCookie: () => null, lang: () => lang }).get('/api/health');
    expect(again.calls[0]!.headers['Accept-Language']).toBe('zh-CN');
  });

  it('adds X-CSRF-Token from the cookie on unsafe requests', async () => {
    const { fetch, calls } = fakeFetch(json(200, { ok: true }));
    const { getCookie } = cookieJar({ [CSRF_COOKIE]: 'abc123' });
    const api = createApi({ fetch, getCookie, lang: () => 'zh-CN' });
    await api.post('/api/auth/login', { username: 'u', password: 'p' });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.headers['X-CSRF-Token']).toBe('abc123');
    expect(calls[0]!.headers['Content-Type']).toBe('application/json');
    expect(calls[0]!.headers['Accept-Language']).toBe('zh-CN');
    expect(calls[0]!.body).toEqual({ username: 'u', password: 'p' });
    expect(calls[0]!.credentials).toBe('same-origin');
  });

  it('fetches a CSRF token first when the cookie is missing', async () => {
    const { jar, getCookie } = cookieJar();
    const { fetch, calls } = fakeFetch(
      () => {
        jar[CSRF_COOKIE] = 'fresh';
        return json(200, { csrf_token: 'fresh' })();
      },
      json(200, { ok: true }),
      json(200, { ok: true }),
    );
    const api = createApi({ fetch, getCookie, lang: () => 'en' });
    await api.post('/api/auth/login', {});
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual(['GET /api/auth/csrf', 'POST /api/auth/login']);
    expect(calls[0]!.headers['Accept-Language']).toBe('en');
    expect(calls[1]!.headers['X-CSRF-Token']).toBe('fresh');
    // The cookie is there now: no second trip to /api/auth/csrf.
    await api.post('/api/auth/logout');
    expect(calls).toHaveLength(3);
    expect(calls[2]!.headers['X-CSRF-Token']).toBe('fresh');
  });

  it('refreshes the token once and retries after csrf_failed', async () => {
    const { fetch, calls } = fakeFetch(
      json(403, { error: { code: 'csrf_failed', message: 'bad token' } }),
      json(200, { csrf_token: 'new' }),
      () => new Response(null, { status: 204 }),
    );
    const api = createApi({ fetch, getCookie: () => 'stale', lang: () => 'en' });
    expect(await api.post('/api/auth/logout')).toBeUndefined();
    expect(calls.map((c) => c.headers['X-CSRF-Token'])).toEqual(['stale', undefined, 'new']);

    const twice = fakeFetch(
      json(403, { error: { code: 'csrf_failed', message: 'bad token' } }),
      json(200, { csrf_token: 'new' }),
      json(403, { error: { code: 'csrf_failed', message: 'still bad' } }),
    );
    const api2 = createApi({ fetch: twice.fetch, getCookie: () => 'stale', lang: () => 'en' });
    await expect(api2.post('/api/x')).rejects.toMatchObject({ code: 'csrf_failed', message: 'still bad' });
    expect(twice.calls).toHaveLength(3);
  });

  it('turns an error body into an ApiError with code, message, status and Retry-After', async () => {
    const { fetch } = fakeFetch(
      json(401, { error: { code: 'invalid_credentials', message: '用户名或密码错误' } }),
      json(429, { error: { code: 'rate_limited', message: 'slow down' } }, { 'Retry-After': '30' }),
      () => new Response('<html>Bad gateway</html>', { status: 502 }),
    );
    const api = createApi({ fetch, getCookie: () => 't', lang: () => 'zh-CN' });
    const e1 = await api.post('/api/auth/login', {}).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(ApiError);
    expect(e1).toMatchObject({ status: 401, code: 'invalid_credentials', message: '用户名或密码错误' });
    await expect(api.post('/api/auth/login', {})).rejects.toMatchObject({ status: 429, retryAfter: 30 });
    await expect(api.get('/api/health')).rejects.toMatchObject({ status: 502, code: 'server', message: '' });
  });

  it('reports no answer as a NetworkError', async () => {
    const fetch: FetchLike = () => Promise.reject(new TypeError('Failed to fetch'));
    const api = createApi({ fetch, getCookie: () => 't', lang: () => 'en' });
    await expect(api.get('/api/auth/me')).rejects.toBeInstanceOf(NetworkError);
  });

  it('gives up after the timeout', async () => {
    const fetch: FetchLike = (_url, init) =>
      new Promise((_resolve, reject) => {
        init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      });
    const api = createApi({ fetch, getCookie: () => 't', lang: () => 'en', timeoutMs: 20 });
    await expect(api.get('/api/auth/me')).rejects.toBeInstanceOf(NetworkError);
  });

  it('rejects a success that is not JSON', async () => {
    const { fetch } = fakeFetch(() => new Response('<html>', { status: 200 }));
    const api = createApi({ fetch, getCookie: () => 't', lang: () => 'en' });
    await expect(api.get('/api/auth/me')).rejects.toMatchObject({ code: 'bad_response' });
  });
});

describe('cookies and Retry-After', () => {
  it('reads one cookie out of document.cookie', () => {
    expect(readCookie('a=1; fieldkeep_csrf=x%2By; b=2', 'fieldkeep_csrf')).toBe('x+y');
    expect(readCookie('xfieldkeep_csrf=1', 'fieldkeep_csrf')).toBeNull();
    expect(readCookie('', 'fieldkeep_csrf')).toBeNull();
  });

  it('parses seconds and HTTP dates', () => {
    expect(parseRetryAfter('120')).toBe(120);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:45 GMT', now)).toBe(45);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0);
  });
});
