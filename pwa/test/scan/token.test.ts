// What a scanned or typed key tag names.
import { describe, expect, it } from 'vitest';
import { findKey, parseScan, tokenOfPath } from '../../src/scan/token';

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

  it('finds the key by token or typed short code', () => {
    const keys = [
      { id: 'k1', code: 'A-101', qr_token: 'AbC123_-xyz0987' },
      { id: 'k2', code: 'B-7', qr_token: 'zzzzzzzzzzzz' },
    ];
    expect(findKey(keys, parseScan('https://x/k/AbC123_-xyz0987'))?.id).toBe('k1');
    expect(findKey(keys, parseScan('b-7'))?.id).toBe('k2');
    expect(findKey(keys, parseScan('zzzzzzzzzzzz'))?.id).toBe('k2');
    expect(findKey(keys, parseScan('https://x/k/unknown-token'))).toBeNull();
  });
});
