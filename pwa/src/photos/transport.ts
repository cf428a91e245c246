// HTTP for photos: `HEAD /api/media/<sha256>` (200 the server has it, 404
// send it) and `PUT /api/media/<sha256>` with the raw bytes. Same cookies,
// language and CSRF token as the JSON client (sync/api.ts). In the browser a
// PUT goes through XMLHttpRequest, the only way to see upload progress.
import { NetworkError, type FetchLike } from '../sync/api';
import { mediaPath } from './paths';

export interface Answer {
  status: number;
  /** The server's error code (`photo_too_large`, …), or '' when it gave none. */
  code: string;
  message: string;
}

export interface Transport {
  /** The status of HEAD /api/media/<hash>; throws NetworkError when there is no answer. */
  head(hash: string): Promise<number>;
  /** PUT the bytes; `onProgress` gets the bytes sent so far. Throws NetworkError when there is no answer. */
  put(hash: string, body: Blob, onProgress?: (sent: number) => void): Promise<Answer>;
}

export interface TransportDeps {
  fetch: FetchLike;
  csrfToken: (refresh?: boolean) => Promise<string>;
  lang: () => string;
  /** Send PUTs with XMLHttpRequest (for progress events); tests leave it off. */
  xhr?: boolean;
}

export const HEAD_TIMEOUT_MS = 20_000;

/** A slow phone link moves ~10 KB/s: a minute plus that much time for the bytes, at most 10 minutes. */
export function putTimeout(size: number): number {
  return Math.min(10 * 60_000, 60_000 + Math.ceil(size / 10_240) * 1000);
}

export { mediaPath };

function parseError(status: number, text: string): Answer {
  let code = '';
  let message = '';
  try {
    const err = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }).error;
    if (typeof err?.code === 'string') code = err.code;
    if (typeof err?.message === 'string') message = err.message;
  } catch {
    // not JSON (a proxy's page): status only
  }
  return { status, code, message };
}

interface Raw {
  status: number;
  text: string;
}

function xhrSend(url: string, body: Blob, headers: Record<string, string>, timeout: number, onProgress?: (sent: number) => void): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open('PUT', url);
    for (const [k, v] of Object.entries(headers)) x.setRequestHeader(k, v);
    x.timeout = timeout;
    x.withCredentials = true;
    if (onProgress) x.upload.onprogress = (e) => onProgress(e.loaded);
    x.onload = () => resolve({ status: x.status, text: x.responseText });
    const fail = (why: string) => () => reject(new NetworkError(why));
    x.onerror = fail('network error');
    x.ontimeout = fail('timeout');
    x.onabort = fail('aborted');
    x.send(body);
  });
}

export function createTransport(deps: TransportDeps): Transport {
  async function viaFetch(method: 'HEAD' | 'PUT', url: string, headers: Record<string, string>, body: Blob | undefined, timeout: number): Promise<Raw> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeout);
    try {
      const init: RequestInit = { method, headers, credentials: 'same-origin', cache: 'no-store', signal: controller.signal };
      if (body) init.body = body;
      const res = await deps.fetch(url, init);
      return { status: res.status, text: method === 'HEAD' ? '' : await res.text() };
    } catch (err) {
      throw new NetworkError(err instanceof Error ? err.message : String(err));
    } finally {
      clearTimeout(timer);
    }
  }

  async function putOnce(hash: string, body: Blob, csrf: string, onProgress?: (sent: number) => void): Promise<Answer> {
    const headers = {
      Accept: 'application/json',
      'Accept-Language': deps.lang(),
      'Content-Type': body.type || 'image/jpeg',
      'X-CSRF-Token': csrf,
    };
    const url = mediaPath(hash);
    const timeout = putTimeout(body.size);
    const raw =
      deps.xhr && typeof XMLHttpRequest !== 'undefined'
        ? await xhrSend(url, body, headers, timeout, onProgress)
        : await viaFetch('PUT', url, headers, body, timeout);
    if (raw.status >= 200 && raw.status < 300) {
      onProgress?.(body.size);
      return { status: raw.status, code: '', message: '' };
    }
    return parseError(raw.status, raw.text);
  }

  return {
    async head(hash) {
      const raw = await viaFetch('HEAD', mediaPath(hash), { 'Accept-Language': deps.lang() }, undefined, HEAD_TIMEOUT_MS);
      return raw.status;
    },
    async put(hash, body, onProgress) {
      let csrf: string;
      try {
        csrf = await deps.csrfToken();
      } catch (err) {
        if (err instanceof NetworkError) throw err;
        const e = err as { status?: unknown; code?: unknown };
        return { status: typeof e.status === 'number' ? e.status : 0, code: typeof e.code === 'string' ? e.code : '', message: '' };
      }
      const first = await putOnce(hash, body, csrf, onProgress);
      if (first.status !== 403 || first.code !== 'csrf_failed') return first;
      // The token rotated under us: once more with a fresh one.
      return putOnce(hash, body, await deps.csrfToken(true), onProgress);
    },
  };
}
