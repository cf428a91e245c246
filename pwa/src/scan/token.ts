// What a scanned (or typed) code names. A key's QR tag encodes
// `<base URL>/k/<token>`: an opaque token, no unit number in clear. Keys carry
// only its SHA-256 (`tag_hash`): the token itself, sent with a checkout or a
// receipt, proves the tag was scanned.
// The base URL may differ from this install's (a tag printed for another
// host name still opens the key): only the path counts.

export type Scanned =
  | { kind: 'token'; token: string }
  /** A typed short code or token (which one is decided by looking it up). */
  | { kind: 'text'; value: string }
  | { kind: 'none' };

const TOKEN = /^[A-Za-z0-9_-]{8,128}$/;
const TYPED = /^[A-Za-z0-9_-]{1,128}$/;

function fromPath(path: string): string | null {
  const m = /(?:^|\/)k\/([^/?#]+)\/?$/.exec(path);
  if (!m) return null;
  let token: string;
  try {
    token = decodeURIComponent(m[1]!);
  } catch {
    return null;
  }
  return TOKEN.test(token) ? token : null;
}

/** The key token in a scanned text: a tag URL, a bare `/k/<token>` path, or a typed code. */
export function parseScan(raw: string): Scanned {
  const text = raw.trim();
  if (text === '') return { kind: 'none' };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return { kind: 'none' };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return { kind: 'none' };
    const token = fromPath(url.pathname);
    return token ? { kind: 'token', token } : { kind: 'none' };
  }
  if (text.startsWith('/')) {
    const token = fromPath(text.split(/[?#]/)[0]!);
    return token ? { kind: 'token', token } : { kind: 'none' };
  }
  return TYPED.test(text) ? { kind: 'text', value: text } : { kind: 'none' };
}

/** The token of an app path `/k/<token>` (the route the tag opens), or null. */
export function tokenOfPath(path: string): string | null {
  return fromPath(path.replace(/\/+$/, ''));
}

export interface Findable {
  id: string;
  code: string;
  tag_hash: string | null;
}

/** SHA-256 hex of a tag's token, as the server computes it. */
export async function tagHash(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The key of a tag token, or null. */
export async function keyOfTag<K extends Findable>(keys: readonly K[], token: string): Promise<K | null> {
  const hash = await tagHash(token);
  return keys.find((k) => k.tag_hash === hash) ?? null;
}

/** A found key and the tag token that was scanned (null: found by typed short code, no proof). */
export interface Found<K> {
  key: K;
  tag: string | null;
}

/** The key a scan names: by token, or (typed) by short code (case-insensitive), else by token. */
export async function findKey<K extends Findable>(keys: readonly K[], s: Scanned): Promise<Found<K> | null> {
  if (s.kind === 'none') return null;
  if (s.kind === 'text') {
    const v = s.value.toLowerCase();
    const byCode = keys.find((k) => k.code.toLowerCase() === v);
    if (byCode) return { key: byCode, tag: null };
  }
  const token = s.kind === 'token' ? s.token : s.value;
  const key = await keyOfTag(keys, token);
  return key ? { key, tag: token } : null;
}
