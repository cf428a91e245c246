// The phone's offline verdict on a permit QR, against permits signed here the
// way server/permits/signing.py signs them (the browser test checks real ones
// printed by the server).
import { encode as b45encode } from 'base45-ts';
import { encode, Tag } from 'cbor2';
import { describe, expect, it } from 'vitest';
import { importKeys, readClaims, verifyQr, type PublicKeyRead, type States } from '../../src/permits/verify';

const ID = '9734c26e-57cd-4486-a208-3efd3632f73b';
const NOW = 1_800_000_000;
const NONE: States = { revoked: new Set(), used: new Set() };

function idBytes(id: string): Uint8Array {
  return Uint8Array.from(id.replace(/-/g, '').match(/../g)!.map((h) => parseInt(h, 16)));
}

async function siteKey(site_id: number, kidByte: number) {
  const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
  const kidBytes = new Uint8Array(8).fill(kidByte);
  const kid = btoa(String.fromCharCode(...kidBytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const read: PublicKeyRead = { kid, alg: 'ES256', jwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, site_id };
  return { pair, kidBytes, read };
}

type Key = Awaited<ReturnType<typeof siteKey>>;

async function sign(key: Key, claims: Partial<Record<string, unknown>> = {}): Promise<string> {
  const payload = encode(
    new Map<string, unknown>(
      Object.entries({ k: 'release_pass', id: idBytes(ID), site: 1, sub: '3栋2单元1202', nbf: NOW - 100, exp: NOW + 100, n: 7, ...claims }),
    ),
  );
  const prot = encode(new Map<number, unknown>([[1, -7], [4, key.kidBytes]]));
  const toSign = encode(['Signature1', prot, new Uint8Array(0), payload]);
  const sig = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key.pair.privateKey, new Uint8Array(toSign)));
  return 'FK1:' + b45encode(encode(new Tag(18, [prot, new Map(), payload, sig])));
}

describe('verifyQr', () => {
  it('answers each case in the documented order', async () => {
    const mine = await siteKey(1, 1);
    const theirs = await siteKey(2, 2);
    const keys = await importKeys([mine.read, theirs.read]);
    const qr = await sign(mine);
    const v = await verifyQr(qr, keys, NOW, NONE);
    expect(v.reason).toBe('genuine');
    expect(v.claims).toMatchObject({ id: ID, subject: '3栋2单元1202', serial: 7, site_id: 1, kind: 'release_pass' });
    expect(readClaims(qr)?.id).toBe(ID);

    expect((await verifyQr(qr, keys, NOW, { revoked: new Set([ID]), used: new Set([ID]) })).reason).toBe('revoked');
    expect((await verifyQr(qr, keys, NOW, { revoked: new Set(), used: new Set([ID]) })).reason).toBe('used');
    expect((await verifyQr(qr, keys, NOW - 200, NONE)).reason).toBe('not_yet_valid');
    expect((await verifyQr(qr, keys, NOW + 100, NONE)).reason).toBe('expired');
    expect((await verifyQr(qr, new Map(), NOW, NONE)).reason).toBe('unknown_key');

    // Site 2's key signing a paper that names site 1 cannot speak for site 1.
    const crossed = await sign({ ...theirs }, { site: 1 });
    const v2 = await verifyQr(crossed, keys, NOW, NONE);
    expect(v2.reason).toBe('forged');
    expect(v2.claims?.subject).toBe('3栋2单元1202'); // the claim is still shown
  });

  it('calls a tampered copy forged and anything else malformed', async () => {
    const mine = await siteKey(1, 1);
    const keys = await importKeys([mine.read]);
    const qr = await sign(mine);
    const other = await sign(mine, { sub: '3栋2单元1203' });
    // The payload of one paper with the end (signature) of another.
    const a = await verifyQr(qr.slice(0, -6) + other.slice(-6), keys, NOW, NONE);
    expect(['forged', 'malformed']).toContain(a.reason);
    // A changed character inside the signature: forged.
    const at = qr.length - 20;
    const swapped = qr.slice(0, at) + (qr[at] === 'A' ? 'B' : 'A') + qr.slice(at + 1);
    expect((await verifyQr(swapped, keys, NOW, NONE)).reason).toMatch(/forged|malformed/);
    for (const bad of ['', 'hello', 'FK1:', 'FK1:abc', 'FK2:' + qr.slice(4), qr + '00', qr.slice(0, -3), 'FK1:' + b45encode(encode([1, 2, 3]))]) {
      expect((await verifyQr(bad, keys, NOW, NONE)).reason, bad).toBe('malformed');
    }
    expect((await verifyQr(await sign(mine, { extra: 1 } as never), keys, NOW, NONE)).reason).toBe('malformed');
    expect((await verifyQr(await sign(mine, { k: 'pizza' }), keys, NOW, NONE)).reason).toBe('malformed');
  });
});
