// Issue 7 logic: the offline due list, meter-reading warnings, key custody
// predictions, QR token parsing, and review args carrying the revision seen.
import { describe, expect, it } from 'vitest';
import {
  dueUnits,
  groupByBuilding,
  lastReadings,
  parseReading,
  patrolsView,
  readingWarning,
  saveArgs,
  toPatrol,
  valuesOf,
  type Patrol,
} from '../../src/patrols/patrol';
import type { Unit } from '../../src/app/units';
import { intentArgs, isOverdue, keysView, ledger, refusal, sortKeys, toKey, type Key } from '../../src/keys/key';
import { findKey, parseScan, tokenOfPath } from '../../src/scan/token';
import { reviewArgs, reviewQueue, reviewRefusal, ReviewArgsError } from '../../src/review/review';
import type { OutboxLike, ServerLike } from '../../src/sync/overlay';

function unit(id: number, building: string, number: string, extra: Partial<Unit> = {}): Unit {
  return {
    id,
    site_id: 1,
    building_id: 1,
    building_name: building,
    entrance: '1单元',
    number,
    vacant: true,
    vacant_since: '2025-01-01',
    patrol_interval_days: 7,
    area_m2: null,
    ...extra,
  };
}

function patrol(id: string, fields: Record<string, unknown>, revision: number | null = 3): Patrol {
  return toPatrol({ id, revision, fields: { status: 'approved', site_id: 1, ...fields }, pending: 0 });
}

let seq = 0;
function row(name: string, collection: string, recordId: string, args: Record<string, unknown>): OutboxLike {
  seq++;
  return { id: `m${seq}`, seq, name, args, state: 'pending', collection, record_id: recordId, created_at: Date.UTC(2025, 5, 15, 2, 0, 0) };
}

describe('due list (offline)', () => {
  const today = '2025-06-15';
  it('lists vacant units past their interval or never patrolled, most overdue first, grouped by building', () => {
    const units = [
      unit(1, '1栋', '101', { vacant_since: '2025-06-10' }), // never patrolled, vacant 5 days: due since 06-10
      unit(2, '2栋', '201'), // patrolled 06-01 + 7 = 06-08: 7 days overdue
      unit(3, '1栋', '102'), // patrolled 06-12 + 7 = 06-19: not due
      unit(4, '2栋', '202', { vacant: false, vacant_since: null }), // occupied
      unit(5, '1栋', '103', { vacant_since: '2025-06-15' }), // vacant today: due today
      unit(6, '3栋', '301', { patrol_interval_days: 14 }), // 06-01 + 14 = 06-15: due today
    ];
    const patrols = [
      // ended_at in UTC: 2025-05-31T20:00Z is 06-01 in China.
      patrol('p2', { unit_id: 2, ended_at: '2025-05-31T20:00:00Z' }),
      patrol('p3', { unit_id: 3, ended_at: '2025-06-12T02:00:00Z' }),
      patrol('p3old', { unit_id: 3, ended_at: '2025-05-01T02:00:00Z' }),
      patrol('p6', { unit_id: 6, submitted_at: '2025-06-01T02:00:00Z' }),
      // Not approved: does not count.
      patrol('p1', { unit_id: 1, status: 'submitted', ended_at: '2025-06-14T02:00:00Z' }),
    ];
    const list = dueUnits(units, patrols, today);
    expect(list.map((d) => [d.unit.id, d.days_overdue])).toEqual([
      [2, 7],
      [1, 5],
      [5, 0],
      [6, 0],
    ]);
    expect(list.find((d) => d.unit.id === 2)!.last_patrolled).toBe('2025-06-01');
    expect(list.find((d) => d.unit.id === 1)!.last_patrolled).toBeNull();
    const groups = groupByBuilding(list);
    expect(groups.map((g) => [g.building, g.units.map((d) => d.unit.id)])).toEqual([
      ['2栋', [2]],
      ['1栋', [1, 5]],
      ['3栋', [6]],
    ]);
  });

  it('an approval from this device (offline) takes the unit off the list', () => {
    const units = [unit(7, '1栋', '101')];
    const server: ServerLike[] = [{ id: 'p7', revision: 4, fields: { status: 'submitted', unit_id: 7, site_id: 1, author_id: 2, ended_at: '2025-06-15T01:00:00Z' } }];
    const before = dueUnits(units, patrolsView(server, [], 9), today);
    expect(before).toHaveLength(1);
    const approve = row('review.approve', 'patrols', 'p7', { id: 'r1', collection: 'patrols', record_id: 'p7', revision: 4, comment: '' });
    const view = patrolsView(server, [approve], 9);
    expect(view[0]!.status).toBe('approved');
    expect(dueUnits(units, view, today)).toEqual([]);
  });
});

describe('meter readings', () => {
  it('warns when lower than the last approved reading or more than ten times it', () => {
    expect(readingWarning(120, 100)).toBeNull();
    expect(readingWarning(100, 100)).toBeNull();
    expect(readingWarning(99.5, 100)).toBe('lower');
    expect(readingWarning(1000, 100)).toBeNull();
    expect(readingWarning(1000.1, 100)).toBe('high');
    expect(readingWarning(5, null)).toBeNull();
    expect(readingWarning(null, 100)).toBeNull();
    expect(readingWarning(-1, null)).toBe('invalid');
    expect(readingWarning(10_000_001, null)).toBe('invalid');
    // A last reading of 0 (a new meter): any higher value is fine.
    expect(readingWarning(50, 0)).toBeNull();
  });

  it('takes the last approved patrol of the unit, not this one', () => {
    const patrols = [
      patrol('a', { unit_id: 1, ended_at: '2025-05-01T00:00:00Z', water_reading: 10, electricity_reading: 200 }),
      patrol('b', { unit_id: 1, ended_at: '2025-06-01T00:00:00Z', water_reading: 12, electricity_reading: null }),
      patrol('c', { unit_id: 1, ended_at: '2025-06-10T00:00:00Z', water_reading: 99, status: 'submitted' }),
      patrol('d', { unit_id: 2, ended_at: '2025-06-11T00:00:00Z', water_reading: 500 }),
      patrol('self', { unit_id: 1, ended_at: '2025-06-12T00:00:00Z', water_reading: 1 }),
    ];
    expect(lastReadings(patrols, 1, 'self')).toEqual({ water: 12, electricity: 200, at: '2025-06-01T00:00:00Z' });
  });

  it('reads typed numbers', () => {
    expect(parseReading(' 12.5 ')).toBe(12.5);
    expect(parseReading('12,5')).toBe(12.5);
    expect(parseReading('')).toBeNull();
    expect(parseReading('abc')).toBeNull();
  });
});

describe('patrols.save args', () => {
  it('sends only changed fields, items whole, photos as set operations', () => {
    const p = patrol('p', { status: 'draft', unit_id: 1, items: { door: { result: 'pass', note: '', photos: [], label: '入户门' } }, photos: ['a'.repeat(64)] });
    const before = valuesOf(p);
    expect(saveArgs('p', before, before)).toBeNull();
    const next = { ...before, water_reading: 12, items: { ...before.items, water: { result: 'fail' as const, note: '漏水', photos: [], label: '水阀' } }, photos: ['b'.repeat(64)] };
    expect(saveArgs('p', next, before)).toEqual({
      id: 'p',
      water_reading: 12,
      items: next.items,
      photos: { add: ['b'.repeat(64)], remove: ['a'.repeat(64)] },
    });
  });

  it('shows a submit at once and an approved patrol stays as the server says', () => {
    const server: ServerLike[] = [{ id: 'p', revision: 2, fields: { status: 'draft', unit_id: 1, site_id: 1, author_id: 5 } }];
    const submit = row('patrols.submit', 'patrols', 'p', { id: 'p' });
    const [v] = patrolsView(server, [submit], 5);
    expect(v!.status).toBe('submitted');
    expect(v!.pending).toBe(1);
    const approved: ServerLike[] = [{ id: 'p', revision: 3, fields: { ...server[0]!.fields, status: 'approved' } }];
    expect(patrolsView(approved, [submit], 5)[0]!.status).toBe('approved');
  });
});

describe('key custody predictions', () => {
  const today = '2025-06-15';
  const me = { id: 5, roles: ['patrol'] };
  const other = { id: 6, roles: ['patrol'] };
  const sup = { id: 9, roles: ['supervisor'] };
  const keyIn = { status: 'in', holder_id: null, handover_to: null, kind: 'vacant', authorization_until: null };

  it('predicts what the server would refuse', () => {
    expect(refusal(keyIn, 'checkout', me, today)).toBeNull();
    expect(refusal({ ...keyIn, status: 'out', holder_id: 6 }, 'checkout', me, today)).toBe('key_already_out');
    expect(refusal({ ...keyIn, kind: 'entrusted', authorization_until: '2025-06-14' }, 'checkout', me, today)).toBe('authorization_expired');
    expect(refusal({ ...keyIn, kind: 'entrusted', authorization_until: '2025-06-15' }, 'checkout', me, today)).toBeNull();
    expect(refusal({ ...keyIn, kind: 'entrusted', authorization_until: null }, 'checkout', me, today)).toBe('authorization_expired');
    expect(refusal(keyIn, 'checkin', me, today)).toBe('key_not_out');
    const out = { ...keyIn, status: 'out', holder_id: 5 };
    expect(refusal(out, 'checkin', me, today)).toBeNull();
    expect(refusal(out, 'checkin', other, today)).toBe('forbidden');
    expect(refusal(out, 'checkin', sup, today)).toBeNull();
    expect(refusal(out, 'handover', other, today)).toBe('not_holder');
    expect(refusal(out, 'handover', me, today)).toBeNull();
    expect(refusal({ ...out, handover_to: 6 }, 'receive', other, today)).toBeNull();
    expect(refusal({ ...out, handover_to: 6 }, 'receive', sup, today)).toBe('handover_not_for_you');
    expect(refusal({ ...keyIn, status: 'lost' }, 'checkout', me, today)).toBe('key_lost');
    expect(refusal({ ...keyIn, status: 'returned' }, 'checkin', sup, today)).toBe('key_returned');
    expect(refusal(out, 'return_to_owner', me, today)).toBe('invalid_args');
    expect(refusal(keyIn, 'checkout', { id: 1, roles: ['cashier'] }, today)).toBe('forbidden');
  });

  it('shows checkout, handover, receive and checkin at once, and leaves a refused one as it was', () => {
    const server: ServerLike[] = [{ id: 'k1', revision: 1, fields: { site_id: 1, code: 'A-101', kind: 'vacant', status: 'in', qr_token: 'tok_abcdefgh' } }];
    const checkout = row('keys.checkout', 'keys', 'k1', intentArgs('e1', 'k1', 'checkout', { purpose: 'patrol' }));
    let [k] = keysView(server, [checkout], me, today);
    expect(k).toMatchObject({ status: 'out', holder_id: 5, purpose: 'patrol', pending: 1 });
    const handover = row('keys.handover', 'keys', 'k1', intentArgs('e2', 'k1', 'handover', { to_user_id: 6 }));
    [k] = keysView(server, [checkout, handover], me, today);
    expect(k!.handover_to).toBe(6);
    const checkin = row('keys.checkin', 'keys', 'k1', intentArgs('e3', 'k1', 'checkin'));
    [k] = keysView(server, [checkout, checkin], me, today);
    expect(k).toMatchObject({ status: 'in', holder_id: null, pending: 2 });
    // Someone else has it: the checkout is shown as not (yet) taken.
    const taken: ServerLike[] = [{ id: 'k1', revision: 2, fields: { ...server[0]!.fields, status: 'out', holder_id: 6 } }];
    [k] = keysView(taken, [checkout], me, today);
    expect(k).toMatchObject({ status: 'out', holder_id: 6, pending: 1 });
    // The receiver's side.
    const handed: ServerLike[] = [{ id: 'k1', revision: 3, fields: { ...taken[0]!.fields, handover_to: 5 } }];
    const receive = row('keys.receive', 'keys', 'k1', intentArgs('e4', 'k1', 'receive'));
    [k] = keysView(handed, [receive], me, today);
    expect(k).toMatchObject({ holder_id: 5, handover_to: null });
  });

  it('lists the ledger with pending intents, and marks overdue keys', () => {
    const events: ServerLike[] = [{ id: 'e0', revision: 1, fields: { key_id: 'k1', kind: 'checkout', by_id: 6, at: '2025-06-14T01:00:00Z', purpose: 'repair' } }];
    const checkin = row('keys.checkin', 'keys', 'k1', intentArgs('e5', 'k1', 'checkin'));
    const list = ledger('k1', events, [checkin], 5);
    expect(list.map((e) => [e.id, e.kind, e.by_id, e.pending])).toEqual([
      ['e0', 'checkout', 6, false],
      ['e5', 'checkin', 5, true],
    ]);
    const now = Date.parse('2025-06-15T10:00:00Z');
    expect(isOverdue({ status: 'out', out_since: '2025-06-15T01:00:00Z' }, now)).toBe(true);
    expect(isOverdue({ status: 'out', out_since: '2025-06-15T03:00:00Z' }, now)).toBe(false);
    expect(isOverdue({ status: 'out', out_since: '2025-06-15T03:00:00Z' }, now, 6)).toBe(true);
    expect(isOverdue({ status: 'in', out_since: null }, now)).toBe(false);
    const keys = [
      toKey({ id: 'a', revision: 1, fields: { code: 'A', status: 'in' }, pending: 0 }),
      toKey({ id: 'b', revision: 1, fields: { code: 'B', status: 'out', out_since: '2025-06-15T09:00:00Z' }, pending: 0 }),
      toKey({ id: 'c', revision: 1, fields: { code: 'C', status: 'out', out_since: '2025-06-14T09:00:00Z' }, pending: 0 }),
    ];
    expect(sortKeys(keys, now).map((k: Key) => k.id)).toEqual(['c', 'b', 'a']);
  });
});

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

describe('review', () => {
  const lina = { id: 9, roles: ['supervisor'], site_ids: ['1'] };
  it('queues submitted patrols of my sites, oldest first, not my own', () => {
    const list = [
      patrol('new', { status: 'submitted', author_id: 5, submitted_at: '2025-06-15T03:00:00Z' }),
      patrol('old', { status: 'submitted', author_id: 5, submitted_at: '2025-06-14T03:00:00Z' }),
      patrol('mine', { status: 'submitted', author_id: 9, submitted_at: '2025-06-13T03:00:00Z' }),
      patrol('other-site', { status: 'submitted', author_id: 5, site_id: 2, submitted_at: '2025-06-13T03:00:00Z' }),
      patrol('draft', { status: 'draft', author_id: 5 }),
    ];
    expect(reviewQueue(list, lina).map((p) => p.id)).toEqual(['old', 'new']);
    expect(reviewQueue(list, { ...lina, roles: ['patrol'] })).toEqual([]);
    expect(reviewRefusal(list[2]!, lina)).toBe('self_review');
    expect(reviewRefusal(list[4]!, lina)).toBe('not_submitted');
    expect(reviewRefusal(list[0]!, lina)).toBeNull();
  });

  it('carries the revision the supervisor saw, and requires a comment to reject', () => {
    const p = patrol('p', { status: 'submitted', author_id: 5 }, 17);
    expect(reviewArgs('r1', 'approve', p, '  ')).toEqual({ id: 'r1', collection: 'patrols', record_id: 'p', revision: 17, comment: '' });
    expect(reviewArgs('r2', 'reject', p, ' 电表读数不清 ')).toMatchObject({ revision: 17, comment: '电表读数不清' });
    expect(() => reviewArgs('r3', 'reject', p, '')).toThrow(ReviewArgsError);
    expect(() => reviewArgs('r4', 'approve', { id: 'x', revision: null }, '')).toThrow(ReviewArgsError);
  });
});

describe('routes of issue 7', () => {
  it('opens a key tag, a unit, a patrol and the admin desk from their paths', async () => {
    const { parseRoute, pathOf } = await import('../../src/app/state');
    expect(parseRoute('/k/AbC123_-xyz0987')).toEqual({ name: 'key-tag', token: 'AbC123_-xyz0987' });
    expect(parseRoute('/patrols/unit/42', '?key=k1')).toEqual({ name: 'patrol-unit', unit: 42, key: 'k1' });
    expect(parseRoute('/patrols/unit/x')).toEqual({ name: 'home' });
    expect(parseRoute('/patrols/p1')).toEqual({ name: 'patrol', id: 'p1' });
    expect(parseRoute('/review/p1')).toEqual({ name: 'review-item', id: 'p1' });
    expect(parseRoute('/admin/keys:k1')).toEqual({ name: 'admin', section: 'keys:k1' });
    for (const r of [
      { name: 'key-tag', token: 'AbC123_-xyz0987' },
      { name: 'patrol-unit', unit: 42, key: 'k1' },
      { name: 'key', id: 'k 1' },
      { name: 'patrols' },
    ] as const) {
      const url = new URL(pathOf(r), 'http://x');
      expect(parseRoute(url.pathname, url.search)).toEqual(r);
    }
  });

  it("uses the server's due list for a site whose units are not cached", async () => {
    const { parseServerDue } = await import('../../src/patrols/patrol');
    const [d] = parseServerDue(
      [{ unit_id: 3, building: '1栋', entrance: '1单元', number: '101', vacant_since: null, interval_days: 14, last_patrolled: null, due: '2025-06-01', days_overdue: 14 }],
      1,
    );
    expect(d).toMatchObject({ unit: { id: 3, building_name: '1栋', patrol_interval_days: 14 }, days_overdue: 14, due: '2025-06-01' });
    expect(parseServerDue('nope', 1)).toEqual([]);
  });
});
