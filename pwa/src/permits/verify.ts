// The offline check of a permit's QR text (docs/PERMITS.md), the same verdict as
// the server's server/permits/signing.py: `FK1:` + base45 of a tagged
// COSE_Sign1 (ES256) over a CBOR map of claims. CBOR and base45 come from
// maintained libraries (cbor2, base45-ts); the signature is checked by
// WebCrypto against the site keys the phone pulled. Nothing here touches the
// network.
import { decode as b45decode, encode as b45encode } from 'base45-ts';
import { decode, encode, Tag } from 'cbor2';

export const PREFIX = 'FK1:';
const MAX_QR_CHARS = 1200;
const COSE_SIGN1_TAG = 18;
const ALG_ES256 = -7;
const KINDS = ['monthly_parking', 'decoration', 'release_pass', 'access_card'] as const;
export type PermitKind = (typeof KINDS)[number];

export type Reason = 'genuine' | 'forged' | 'malformed' | 'unknown_key' | 'expired' | 'not_yet_valid' | 'revoked' | 'used';

/** What the QR states (read also when it is not genuine: the guard sees the claim). */
export interface Claims {
  kind: PermitKind;
  id: string; // the permit's uuid
  site_id: number;
  subject: string; // plate or unit
  not_before: number; // epoch seconds
  expires: number;
  serial: number;
}

export interface Verdict {
  reason: Reason;
  claims: Claims | null;
  kid: string | null;
}

/** A site's public key as GET /api/permits/keys gives it. */
export interface PublicKeyRead {
  kid: string;
  alg: string;
  jwk: JsonWebKey;
  site_id: number;
}

/** A key ready to verify with, and the one site it speaks for. */
export interface VerifyKey {
  key: CryptoKey;
  site_id: number;
}

/** What the phone holds besides the keys: permits revoked and passes used, by id. */
export interface States {
  revoked: ReadonlySet<string>;
  used: ReadonlySet<string>;
}

class Malformed extends Error {}

const CBOR = { preferMap: true, rejectDuplicateKeys: true } as const;

function strict(bytes: Uint8Array): unknown {
  try {
    return decode(bytes, CBOR); // one item, nothing after it (cbor2 refuses extra data)
  } catch {
    throw new Malformed();
  }
}

function isInt(v: unknown, min: number): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= min;
}

function b64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function uuidOf(b: Uint8Array): string {
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const CLAIM_KEYS = ['k', 'id', 'site', 'sub', 'nbf', 'exp', 'n'];

function claimsOf(fields: unknown): Claims {
  if (!(fields instanceof Map) || fields.size !== CLAIM_KEYS.length) throw new Malformed();
  if (!CLAIM_KEYS.every((k) => fields.has(k))) throw new Malformed();
  const kind: unknown = fields.get('k');
  const id: unknown = fields.get('id');
  const site: unknown = fields.get('site');
  const sub: unknown = fields.get('sub');
  const nbf: unknown = fields.get('nbf');
  const exp: unknown = fields.get('exp');
  const n: unknown = fields.get('n');
  if (
    typeof kind !== 'string' ||
    !(KINDS as readonly string[]).includes(kind) ||
    !(id instanceof Uint8Array) ||
    id.length !== 16 ||
    !isInt(site, 1) ||
    typeof sub !== 'string' ||
    sub.length < 1 ||
    [...sub].length > 64 ||
    !isInt(nbf, 0) ||
    !isInt(exp, 0) ||
    !isInt(n, 1)
  ) {
    throw new Malformed();
  }
  return { kind: kind as PermitKind, id: uuidOf(id), site_id: site, subject: sub, not_before: nbf, expires: exp, serial: n };
}

interface Parsed {
  kid: string;
  claims: Claims;
  signed: Uint8Array; // the Sig_structure the signature covers
  signature: Uint8Array;
}

function parse(text: string): Parsed {
  if (text.length > MAX_QR_CHARS || !text.startsWith(PREFIX)) throw new Malformed();
  const body = text.slice(PREFIX.length);
  let message: Uint8Array;
  try {
    message = b45decode(body);
  } catch {
    throw new Malformed();
  }
  // base45 text that does not encode its bytes exactly (a triple above 65535) is not ours.
  if (b45encode(message) !== body) throw new Malformed();
  const outer = strict(message);
  if (!(outer instanceof Tag) || Number(outer.tag) !== COSE_SIGN1_TAG) throw new Malformed();
  const parts: unknown = outer.contents;
  if (!Array.isArray(parts) || parts.length !== 4) throw new Malformed();
  const [prot, unprot, payload, signature] = parts as unknown[];
  if (
    !(prot instanceof Uint8Array) ||
    !(unprot instanceof Map) ||
    unprot.size !== 0 ||
    !(payload instanceof Uint8Array) ||
    !(signature instanceof Uint8Array) ||
    signature.length !== 64
  ) {
    throw new Malformed();
  }
  const header = strict(prot);
  if (!(header instanceof Map) || header.size !== 2 || header.get(1) !== ALG_ES256) throw new Malformed();
  const kid: unknown = header.get(4);
  if (!(kid instanceof Uint8Array) || kid.length === 0) throw new Malformed();
  const claims = claimsOf(strict(payload));
  // COSE Sig_structure (RFC 9052 §4.4), encoded by the CBOR library.
  const signed = encode(['Signature1', prot, new Uint8Array(0), payload]);
  return { kid: b64url(kid), claims, signed, signature };
}

/** The claims a QR states, unverified (null when it is not a permit's QR). */
export function readClaims(text: string): Claims | null {
  try {
    return parse(text).claims;
  } catch {
    return null;
  }
}

/** WebCrypto keys from the pulled public keys, by kid (keys it cannot import are left out). */
export async function importKeys(keys: readonly PublicKeyRead[]): Promise<Map<string, VerifyKey>> {
  const out = new Map<string, VerifyKey>();
  for (const k of keys) {
    if (k.alg !== 'ES256') continue;
    try {
      const key = await crypto.subtle.importKey('jwk', { kty: k.jwk.kty, crv: k.jwk.crv, x: k.jwk.x, y: k.jwk.y }, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
      out.set(k.kid, { key, site_id: k.site_id });
    } catch {
      // a key this browser cannot read verifies nothing: its permits read "unknown key"
    }
  }
  return out;
}

/**
 * The verdict on a scanned text, checked in the order of docs/PERMITS.md:
 * malformed, unknown key, forged (bad signature or another site's key),
 * revoked, used, not yet valid, expired, genuine. `now` in epoch seconds.
 */
export async function verifyQr(text: string, keys: ReadonlyMap<string, VerifyKey>, now: number, states: States): Promise<Verdict> {
  let p: Parsed;
  try {
    p = parse(text.trim());
  } catch {
    return { reason: 'malformed', claims: null, kid: null };
  }
  const { kid, claims } = p;
  const key = keys.get(kid);
  if (!key) return { reason: 'unknown_key', claims, kid };
  let ok = false;
  try {
    // Copies: WebCrypto takes buffers of their own, not views into the decoder's.
    ok = await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key.key, new Uint8Array(p.signature), new Uint8Array(p.signed));
  } catch {
    ok = false;
  }
  if (!ok || claims.site_id !== key.site_id) return { reason: 'forged', claims, kid };
  if (states.revoked.has(claims.id)) return { reason: 'revoked', claims, kid };
  if (states.used.has(claims.id)) return { reason: 'used', claims, kid };
  if (now < claims.not_before) return { reason: 'not_yet_valid', claims, kid };
  if (now >= claims.expires) return { reason: 'expired', claims, kid };
  return { reason: 'genuine', claims, kid };
}
