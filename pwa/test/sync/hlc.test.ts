import { afterEach, describe, expect, it, vi } from 'vitest';
import { Clock, formatStamp, parseStamp, uuid } from '../../src/sync/hlc';

const NODE = '0b9e4a3c-6f1d-4c2a-9e8b-1234567890ab';
// The server's pattern (sync/_hlc.py): exact widths, lower-case uuid or "server".
const SERVER_RE = /^[0-9]{15}-[0-9]{5}-(server|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('hybrid logical clock', () => {
  it('formats stamps as %015d-%05d-<node>, like the server', () => {
    expect(formatStamp(1732345678901, 0, NODE)).toBe(`001732345678901-00000-${NODE}`);
    expect(formatStamp(5, 42, 'server')).toBe('000000000000005-00042-server');
    const c = new Clock(NODE, () => 1732345678901);
    const s = c.tick();
    expect(s).toBe(`001732345678901-00000-${NODE}`);
    expect(s).toMatch(SERVER_RE);
    expect(parseStamp(s)).toEqual({ wall: 1732345678901, counter: 0, node: NODE });
  });

  it('refuses parts that would not round-trip', () => {
    expect(() => formatStamp(-1, 0, NODE)).toThrow();
    expect(() => formatStamp(10 ** 15, 0, NODE)).toThrow();
    expect(() => formatStamp(1, 100_000, NODE)).toThrow();
    expect(() => formatStamp(1, 0, NODE.toUpperCase())).toThrow();
    expect(() => new Clock('phone-1')).toThrow();
    expect(() => parseStamp('1732345678901-00000-server')).toThrow();
    expect(() => parseStamp(`001732345678901-0-${NODE}`)).toThrow();
  });

  it('is strictly monotonic even when the wall clock stands still or goes back', () => {
    let now = 2_000;
    const c = new Clock(NODE, () => now);
    const seen = [c.tick()];
    seen.push(c.tick()); // same ms
    now = 1_000; // the phone's clock was set back
    seen.push(c.tick(), c.tick());
    now = 3_000;
    seen.push(c.tick());
    for (let i = 1; i < seen.length; i++) expect(seen[i]! > seen[i - 1]!).toBe(true);
    expect(seen.map((s) => parseStamp(s).counter)).toEqual([0, 1, 2, 3, 0]);
    expect(parseStamp(seen[3]!).wall).toBe(2_000);
  });

  it('carries a full counter into the next millisecond', () => {
    const c = new Clock(NODE, () => 7, `000000000000007-99999-${NODE}`);
    expect(c.tick()).toBe(`000000000000008-00000-${NODE}`);
  });

  it('restarts after the last stamp it gave (kept across starts)', () => {
    const last = `000000000005000-00003-${NODE}`;
    const c = new Clock(NODE, () => 4_000, last);
    expect(c.tick()).toBe(`000000000005000-00004-${NODE}`);
    expect(new Clock(NODE, () => 4_000, 'garbage').tick()).toBe(`000000000004000-00000-${NODE}`);
  });

  it('receives remote stamps and stays ahead of them', () => {
    const c = new Clock(NODE, () => 1_000);
    c.tick();
    expect(c.receive('000000000009000-00004-server')).toBe(`000000000009000-00005-${NODE}`);
    expect(c.tick() > '000000000009000-00004-server').toBe(true);
    // a remote behind us only bumps the counter
    expect(c.receive('000000000000010-00000-server')).toBe(`000000000009000-00007-${NODE}`);
    // same wall on both sides: the larger counter wins, plus one
    const d = new Clock(NODE, () => 1);
    d.receive('000000000000500-00002-server');
    expect(d.receive('000000000000500-00009-server')).toBe(`000000000000500-00010-${NODE}`);
    expect(() => c.receive('nope')).toThrow();
  });

  it('makes lower-case v7 uuids that sort by the time they were made', () => {
    const re = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const a = uuid();
    expect(a).toMatch(re);
    expect(new Clock(a).tick()).toMatch(SERVER_RE);
    // 2026-12-06T22:00:00Z in the first 48 bits
    expect(uuid(() => 1_796_594_400_000).slice(0, 13)).toBe('01a24d5e-fb00');
    const made = [1, 2, 255, 256, 1_796_594_400_000, 1_796_594_400_001, 2 ** 48 - 1].map((ms) => uuid(() => ms));
    expect([...made].sort()).toEqual(made);
    expect(new Set([uuid(() => 5), uuid(() => 5)]).size).toBe(2);
  });
});
