// The one HTTP client of the app: same-origin cookies, the UI language on
// every request, the CSRF double-submit token on every unsafe request, and
// one error shape. Never caches anything (the service worker is the only
// place that caches, and it leaves /api/ alone).
import { lang } from '../i18n';

export const CSRF_COOKIE = 'fieldkeep_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';
export const DEFAULT_TIMEOUT_MS = 20_000;

/** The server answered with an error status (or with something unreadable). */
export class ApiError extends Error {
  readonly status: number;
  /** The server's error code, or `server` / `unknown` / `bad_response` when it gave none. */
  readonly code: string;
  readonly retryAfter: number | null;
  /** The request field the server refused (`error.field`), when it named one. */
  readonly field: string | null;

  constructor(status: number, code: string, message: string, retryAfter: number | null = null, field: string | null = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
    this.field = field;
  }
}

/** No answer from the server: offline, DNS, connection reset, or timeout. */
export class NetworkError extends Error {
  readonly code = 'network';

  constructor(message = 'network error') {
    super(message);
    this.name = 'NetworkError';
  }
}

export function isNetworkError(err: unknown): err is NetworkError {
  return err instanceof NetworkError;
}

export function readCookie(cookies: string, name: string): string | null {
  for (const part of cookies.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(value);
      } catch {
        return value;
      }
    }
  }
  return null;
}

/** Retry-After as seconds: either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface ApiDeps {
  fetch: FetchLike;
  getCookie: (name: string) => string | null;
  /** The UI language, sent as Accept-Language. */
  lang: () => string;
  timeoutMs?: number;
}

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestOptions {
  body?: unknown;
  timeoutMs?: number;
}

const SAFE: ReadonlySet<Method> = new Set<Method>(['GET', 'HEAD']);

async function toApiError(res: Response): Promise<ApiError> {
  const retryAfter = parseRetryAfter(res.headers.get('Retry-After'));
  let code = res.status >= 500 ? 'server' : 'unknown';
  let message = '';
  let field: string | null = null;
  try {
    const body: unknown = await res.json();
    const err = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
    if (typeof err === 'object' && err !== null) {
      const e = err as { code?: unknown; message?: unknown; field?: unknown };
      if (typeof e.code === 'string' && e.code !== '') code = e.code;
      if (typeof e.message === 'string') message = e.message;
      if (typeof e.field === 'string' && e.field !== '') field = e.field;
    }
  } catch {
    // not JSON (a proxy's error page, say): keep the generic code
  }
  return new ApiError(res.status, code, message, retryAfter, field);
}

export interface Api {
  request<T = unknown>(method: Method, path: string, opts?: RequestOptions): Promise<T>;
  get<T = unknown>(path: string, opts?: RequestOptions): Promise<T>;
  post<T = unknown>(path: string, body?: unknown, opts?: RequestOptions): Promise<T>;
  /** The CSRF token, fetched from /api/auth/csrf when the cookie is missing (or `refresh`). */
  csrfToken(refresh?: boolean): Promise<string>;
}

export function createApi(deps: ApiDeps): Api {
  let inflightCsrf: Promise<string> | null = null;

  async function send(method: Method, path: string, opts: RequestOptions, csrf: string | null): Promise<Response> {
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'Accept-Language': deps.lang(),
    };
    const init: RequestInit = { method, headers, credentials: 'same-origin', cache: 'no-store' };
    if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(opts.body);
    }
    if (csrf !== null) headers[CSRF_HEADER] = csrf;
    const controller = new AbortController();
    init.signal = controller.signal;
    const timer = setTimeout(() => controller.abort(), opts.timeoutMs ?? deps.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    try {
      return await deps.fetch(path, init);
    } catch (err) {
      throw new NetworkError(err instanceof Error ? err.message : String(err));
    } finally {
      clearTimeout(timer);
    }
  }

  async function fetchCsrf(): Promise<string> {
    const res = await send('GET', '/api/auth/csrf', {}, null);
    if (!res.ok) throw await toApiError(res);
    let token: unknown;
    try {
      token = ((await res.json()) as { csrf_token?: unknown }).csrf_token;
    } catch {
      token = undefined;
    }
    if (typeof token === 'string' && token !== '') return token;
    const fromCookie = deps.getCookie(CSRF_COOKIE);
    if (fromCookie) return fromCookie;
    throw new ApiError(res.status, 'bad_response', '');
  }

  function csrfToken(refresh = false): Promise<string> {
    if (!refresh) {
      const c = deps.getCookie(CSRF_COOKIE);
      if (c) return Promise.resolve(c);
    }
    inflightCsrf ??= fetchCsrf().finally(() => {
      inflightCsrf = null;
    });
    return inflightCsrf;
  }

  async function request<T>(method: Method, path: string, opts: RequestOptions = {}): Promise<T> {
    const unsafe = !SAFE.has(method);
    let res = await send(method, path, opts, unsafe ? await csrfToken() : null);
    if (!res.ok) {
      let err = await toApiError(res);
      if (unsafe && err.code === 'csrf_failed') {
        // The cookie may have rotated or expired under us: get a fresh token once.
        res = await send(method, path, opts, await csrfToken(true));
        if (!res.ok) err = await toApiError(res);
      }
      if (!res.ok) throw err;
    }
    if (res.status === 204 || method === 'HEAD') return undefined as T;
    const text = await res.text();
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(res.status, 'bad_response', '');
    }
  }

  return {
    request,
    get: (path, opts) => request('GET', path, opts),
    post: (path, body, opts) => request('POST', path, { ...opts, body }),
    csrfToken,
  };
}

/** The app's client: the browser's fetch and cookies, the current UI language. */
export const api: Api = createApi({
  fetch: (input, init) => globalThis.fetch(input, init),
  getCookie: (name) => (typeof document === 'undefined' ? null : readCookie(document.cookie, name)),
  lang: () => lang.value,
});
