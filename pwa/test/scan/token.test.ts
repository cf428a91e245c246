// What a scanned or typed key tag names.
import { describe, expect, it } from 'vitest';
import { findKey, parseScan, tagHash, tokenOfPath } from '../../src/scan/token';

describe('scanner token parsing', () => {
  it('reads the token from a tag URL whatever its host', () => {
    expect(parseScan('https://fieldkeep.example.com/k/AbC123_-xyz0987')).toEqual({ kind: 'token', token: 'AbC123_-xyz0987' });
    expect(parseScan('http://127.0.0.1:8000/k/AbC123_-xyz0987/')).toEqual({ kind: 'token', token: 'AbC123_-xyz0987' });
    expect(parseScan('https://h/app/k/AbC123_-xyz0987?src=label#x')).toEqual({ kind: 'token', token: 'AbC123_-xyz0987' });
    expect(parseScan('  /k/AbC123_-xyz0987 ')).toEqual({ kind: 'token', token: 'AbC123_-xyz0987' });
  });

  it('refuses what is not a key tag, and takes a typed code', () => {
    expect(parseScan('https://example.com/other/AbC123_-xyz0987')).toEqual({ kind: 'none' });
    expect(parseScan('https://example.com/k/short')).toEqual({ kind: 'none' });
    expect(parseScan('javascript://k/AbC123_-xyz0987')).toEqual({ kind: 'none' });
    expect(parseScan('https://example.com/k/%ZZ')).toEqual({ kind: 'none' });
    expect(parseScan('')).toEqual({ kind: 'none' });
    expect(parseScan('A-101')).toEqual({ kind: 'text', value: 'A-101' });
    expect(parseScan('3栋 101')).toEqual({ kind: 'none' });
    expect(tokenOfPath('/k/AbC123_-xyz0987')).toBe('AbC123_-xyz0987');
    expect(tokenOfPath('/keys/AbC123_-xyz0987')).toBeNull();
  });

  it('hashes a token as the server does (SHA-256 hex)', async () => {
    expect(await tagHash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('finds the key by the hash of a scanned token or by typed short code', async () => {
    const keys = [
      { id: 'k1', code: 'A-101', tag_hash: await tagHash('AbC123_-xyz0987') },
      { id: 'k2', code: 'B-7', tag_hash: await tagHash('zzzzzzzzzzzz') },
    ];
    expect(await findKey(keys, parseScan('https://x/k/AbC123_-xyz0987'))).toEqual({ key: keys[0], tag: 'AbC123_-xyz0987' });
    // A typed short code finds the key but proves no scan.
    expect(await findKey(keys, parseScan('b-7'))).toEqual({ key: keys[1], tag: null });
    expect(await findKey(keys, parseScan('zzzzzzzzzzzz'))).toEqual({ key: keys[1], tag: 'zzzzzzzzzzzz' });
    expect(await findKey(keys, parseScan('https://x/k/unknown-token'))).toBeNull();
  });
});
