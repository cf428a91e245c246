// The patrol day's logic: the offline due list, meter-reading warnings, the
// save args, and the routes of the patrol, key and admin screens.
import { describe, expect, it } from 'vitest';
import {
  dueUnits,
  evidenceProblems,
  localName,
  toTemplate,
  groupByBuilding,
  lastReadings,
  parseReading,
  patrolsView,
  readingWarning,
  saveArgs,
  valuesOf,
} from '../../src/patrols/patrol';
import type { Unit } from '../../src/app/units';
import type { ServerLike } from '../../src/sync/overlay';
import { patrol, row } from '../records';

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


describe('due list (offline)', () => {
  const today = '2025-06-15';
  it('lists vacant units past their interval or never patrolled, most overdue first, grouped by building', () => {
    const units = [
      unit(1, '1栋', '101', { vacant_since: '2025-06-03' }), // never patrolled: due 06-03 + 7 = 06-10
      unit(2, '2栋', '201'), // patrolled 06-01 + 7 = 06-08: 7 days overdue
      unit(3, '1栋', '102'), // patrolled 06-12 + 7 = 06-19: not due
      unit(4, '2栋', '202', { vacant: false, vacant_since: null }), // occupied
      unit(5, '1栋', '103', { vacant_since: '2025-06-08' }), // vacant a week, never patrolled: due today
      unit(8, '4栋', '401', { vacant_since: '2024-06-15' }), // vacant a year, patrolled 06-07: 1 day overdue, not 365
      unit(9, '4栋', '402', { vacant_since: '2025-06-12' }), // vacant 3 days: first visit due 06-19
      unit(6, '3栋', '301', { patrol_interval_days: 14 }), // 06-01 + 14 = 06-15: due today
    ];
    const patrols = [
      // ended_at in UTC: 2025-05-31T20:00Z is 06-01 in China.
      patrol('p2', { unit_id: 2, ended_at: '2025-05-31T20:00:00Z' }),
      patrol('p3', { unit_id: 3, ended_at: '2025-06-12T02:00:00Z' }),
      patrol('p3old', { unit_id: 3, ended_at: '2025-05-01T02:00:00Z' }),
      patrol('p6', { unit_id: 6, submitted_at: '2025-06-01T02:00:00Z' }),
      patrol('p8', { unit_id: 8, ended_at: '2025-06-07T02:00:00Z' }),
      // Not approved: does not count.
      patrol('p1', { unit_id: 1, status: 'submitted', ended_at: '2025-06-14T02:00:00Z' }),
    ];
    const list = dueUnits(units, patrols, today);
    expect(list.map((d) => [d.unit.id, d.days_overdue])).toEqual([
      [2, 7],
      [1, 5],
      [8, 1],
      [5, 0],
      [6, 0],
    ]);
    expect(list.find((d) => d.unit.id === 2)!.last_patrolled).toBe('2025-06-01');
    expect(list.find((d) => d.unit.id === 1)!.last_patrolled).toBeNull();
    const groups = groupByBuilding(list);
    expect(groups.map((g) => [g.building, g.units.map((d) => d.unit.id)])).toEqual([
      ['2栋', [2]],
      ['1栋', [1, 5]],
      ['4栋', [8]],
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


describe('routes of issue 7', () => {
  it('opens a key tag, a unit, a patrol and the admin desk from their paths', async () => {
    const { parseRoute, pathOf } = await import('../../src/app/state');
    expect(parseRoute('/k/AbC123_-xyz0987')).toEqual({ name: 'key-tag', token: 'AbC123_-xyz0987' });
    expect(parseRoute('/patrols/unit/42', '?key=k1')).toEqual({ name: 'patrol-unit', unit: 42, key: 'k1' });
    expect(parseRoute('/patrols/unit/x')).toEqual({ name: 'not-found', path: '/patrols/unit/x' });
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


describe('evidence before a submit (issue 14)', () => {
  const template = toTemplate({
    id: 'site-1-v2',
    revision: 1,
    fields: {
      site_id: 1,
      version: 2,
      name: { 'zh-CN': '空置房巡查标准清单', en: 'Vacant-unit checklist' },
      items: [
        { key: 'door', zh: '入户门已锁且完好', en: 'Entry door locked and intact', photo_required: true },
        { key: 'windows', zh: '门窗已关闭', en: 'Windows closed' },
      ],
      readings: [
        { meter: 'water', unit: 'm³', required: true },
        { meter: 'electricity', unit: 'kWh', required: false },
      ],
    },
  });
  const answer = (result: 'pass' | 'fail', note = '', photos: string[] = []) => ({ result, note, photos, label: '' });
  const none = { water: '', electricity: '' };

  it('asks a note of every failed item and a photo where the item says so', () => {
    const p = evidenceProblems(template, { items: { door: answer('fail', '门锁坏'), windows: answer('fail', ' ') }, water_reading: 1, electricity_reading: null }, { ...none, water: '1' });
    expect([...p.items]).toEqual([
      ['door', 'photo_required'],
      ['windows', 'note_required'],
    ]);
    expect(p.readings.size).toBe(0);
    const ok = evidenceProblems(template, { items: { door: answer('fail', '门锁坏', ['a'.repeat(64)]), windows: answer('pass') }, water_reading: 1, electricity_reading: null }, { ...none, water: '1' });
    expect(ok.items.size + ok.readings.size).toBe(0);
  });

  it('a required reading must be there and typed text that is no number is refused, not dropped', () => {
    const p = evidenceProblems(template, { items: {}, water_reading: null, electricity_reading: parseReading('abc') }, { water: '', electricity: 'abc' });
    expect([...p.readings]).toEqual([
      ['water', 'reading_required'],
      ['electricity', 'invalid'],
    ]);
  });

  it('keeps the checklist name per language and reads a one-string name of an older version', () => {
    expect(template.name).toEqual({ 'zh-CN': '空置房巡查标准清单', en: 'Vacant-unit checklist' });
    expect(localName('空置房巡查标准清单 / Vacant-unit checklist')).toEqual({ 'zh-CN': '空置房巡查标准清单', en: 'Vacant-unit checklist' });
    const old = toTemplate({ id: 'v1', revision: 1, fields: { site_id: 1, version: 1, name: '清单', items: [{ key: 'door', zh: '门', en: 'Door' }] } });
    expect(old.items[0]!.photo_required).toBe(false);
    expect(old.readings.map((r) => [r.meter, r.unit, r.required])).toEqual([
      ['water', 'm³', false],
      ['electricity', 'kWh', false],
    ]);
  });
});
