// The phone's scoring of a vendor inspection: the live total (critical cap), quick
// and full mode, and the photo a deduction needs, checked before the server would refuse.
import { describe, expect, it } from 'vitest';
import { entriesOf, inspectionOf, itemProblems, itemsFor, itemsToSend, PASS, submitArgs, totalScore, type ItemEntry, type TemplateVersion } from '../../src/vendors/store';
import { inspectionQueue } from '../../src/review/inspections';
import { lastMonths, yuan } from '../../src/vendors/Evaluation';

const item = (id: number, max: number, more: Partial<TemplateVersion['items'][number]> = {}) => ({
  id,
  code: `i${id}`,
  label_zh: `项目${id}`,
  label_en: `Item ${id}`,
  max_points: max,
  zone_kind: '',
  critical: false,
  photo_required: false,
  ...more,
});

const template: TemplateVersion = {
  id: 7,
  service: 'cleaning',
  version: 2,
  name: '保洁',
  critical_cap_score: 60,
  items: [item(1, 40), item(2, 30, { photo_required: true }), item(3, 20, { critical: true }), item(4, 10, { zone_kind: 'garage' })],
};

const fail = (points: 1 | 2 | 5, more: Partial<ItemEntry> = {}): ItemEntry => ({ ...PASS, points, reason: '地面有垃圾', ...more });

describe('vendor inspection scoring', () => {
  it('adds up the deductions live and caps the total on a critical failure', () => {
    expect(totalScore(template, new Map()).total).toBe(100);
    expect(totalScore(template, new Map([[1, fail(2)], [2, fail(5)]]))).toEqual({ total: 93, deducted: 7, critical: 0 });
    expect(totalScore(template, new Map([[1, fail(1)], [3, fail(1)]]))).toEqual({ total: 60, deducted: 2, critical: 1 });
  });

  it('checks only the items of the zone', () => {
    expect(itemsFor(template, 'lobby').map((i) => i.id)).toEqual([1, 2, 3]);
    expect(itemsFor(template, 'garage').map((i) => i.id)).toEqual([1, 2, 3, 4]);
  });

  it('sends only the failed items in quick mode and every item of the zone in full mode', () => {
    const items = itemsFor(template, 'lobby');
    const entries = new Map([[2, fail(2, { photos: ['a'.repeat(64)] })], [1, PASS]]);
    expect(itemsToSend(items, entries, 'quick').map((x) => x.item.id)).toEqual([2]);
    expect(itemsToSend(items, entries, 'full').map((x) => [x.item.id, x.entry.points])).toEqual([[1, 0], [2, 2], [3, 0]]);
    const args = submitArgs('r1', {
      site_id: 1,
      vendor: { id: 3, name: '洁净保洁', service: 'cleaning', active: true },
      zone: { id: 5, site_id: 1, kind: 'lobby', name: '1栋大堂', active: true },
      template,
      mode: 'quick',
      entries,
      at: new Date('2026-12-01T02:00:00Z'),
    });
    expect(args).toEqual({
      id: 'r1',
      site_id: 1,
      vendor_id: 3,
      zone_id: 5,
      template_version_id: 7,
      at: '2026-12-01T02:00:00.000Z',
      mode: 'quick',
      items: [{ item_id: 2, points_deducted: 2, reason: '地面有垃圾', note: '', photos: ['a'.repeat(64)] }],
    });
  });

  it('says next to the item when a deduction needs a photo or a reason', () => {
    const items = itemsFor(template, 'lobby');
    expect(itemProblems(items, new Map([[2, fail(1)]]))).toEqual(new Map([[2, 'photo_required']]));
    expect(itemProblems(items, new Map([[2, fail(1, { photos: ['h'] })]])).size).toBe(0);
    expect(itemProblems(items, new Map([[1, fail(5, { reason: ' ' })]]))).toEqual(new Map([[1, 'reason_required']]));
    expect(itemProblems(items, new Map([[2, PASS]])).size).toBe(0); // a pass needs no photo
    expect(itemProblems([item(9, 2)], new Map([[9, fail(5)]]))).toEqual(new Map([[9, 'score_out_of_range']]));
  });

  it('queues submitted inspections of my sites for a supervisor, not my own', () => {
    const base = { vendor_id: 3, vendor_name: 'v', zone_id: 7, zone_name: 'z', at: '', mode: 'quick' as const, score: 90, review_comment: '', critical_failures: 0, revision: 4 };
    const list = [
      { ...base, id: 'b', site_id: 1, status: 'submitted' as const, author_id: 5, submitted_at: '2026-12-02' },
      { ...base, id: 'a', site_id: 1, status: 'submitted' as const, author_id: 5, submitted_at: '2026-12-01' },
      { ...base, id: 'mine', site_id: 1, status: 'submitted' as const, author_id: 9, submitted_at: '2026-12-01' },
      { ...base, id: 'other', site_id: 2, status: 'submitted' as const, author_id: 5, submitted_at: '2026-12-01' },
      { ...base, id: 'done', site_id: 1, status: 'approved' as const, author_id: 5, submitted_at: '2026-12-01' },
    ];
    const lina = { roles: ['supervisor'], sites: [{ id: '1', name: '翠湖' }] };
    expect(inspectionQueue(list, lina, 9).map((i) => i.id)).toEqual(['a', 'b']);
    expect(inspectionQueue(list, { ...lina, roles: ['environment'] }, 9)).toEqual([]);
  });

  it('starts a returned inspection\'s correction from what it was scored with', () => {
    const scored = [
      { item_id: 2, label_zh: '大堂', label_en: 'Lobby', points_deducted: 2, reason: '手印', note: 'n', photos: ['h1'], finding_id: 'f', due_at: null, rectified_at: null, after_photos: [], after_note: '' },
      { item_id: 1, label_zh: '地面', label_en: 'Floor', points_deducted: 0, reason: '', note: '', photos: [], finding_id: null, due_at: null, rectified_at: null, after_photos: [], after_note: '' },
    ];
    const entries = entriesOf(scored);
    expect(entries.get(2)).toEqual({ points: 2, reason: '手印', note: 'n', photos: ['h1'] });
    // Sent again in quick mode: the failed item as it was, the passed one left out.
    const sent = itemsToSend(itemsFor(template, 'lobby'), entries, 'quick').map(({ item, entry }) => [item.id, entry.points]);
    expect(sent).toEqual([[2, 2]]);
    const row = { id: 'i', revision: 3, fields: { site_id: 1, vendor_id: 3, zone_id: 7, status: 'rejected', review_comment: '重评' } };
    expect(inspectionOf(row as never)).toMatchObject({ zone_id: 7, status: 'rejected', review_comment: '重评' });
  });

  it('names money in yuan from fen and counts months back across a year', () => {
    expect(yuan(123456)).toBe('¥1234.56');
    expect(yuan(5)).toBe('¥0.05');
    expect(lastMonths('2026-02', 3)).toEqual(['2025-12', '2026-01', '2026-02']);
  });
});
