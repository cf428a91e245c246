// Parking shifts in the review queue: which wait (closed with a variance, of my sites, not my
// own), the args of a decision (the revision on screen, a comment to send back), 长款/短款,
// a decision or a recount made offline laid over the server's shift, and today's shifts.
import { describe, expect, it } from 'vitest';
import { mayRecount, shiftsView } from '../../src/parking/shift';
import { ReviewArgsError } from '../../src/review/review';
import { dayIn, shiftQueue, shiftRefusal, shiftReviewArgs, todaysShifts, varianceKind } from '../../src/review/shifts';

const lina = { id: 9, roles: ['supervisor'], site_ids: ['1'] };

function row(id: string, fields: Record<string, unknown>, revision = 3) {
  return {
    id,
    revision,
    fields: { site_id: 1, gate_id: 1, cashier_id: 5, opened_at: '2026-12-06T08:00:00+08:00', float_fen: 6000, status: 'closed', variance_fen: -100, ...fields },
  };
}

describe('parking shifts under review', () => {
  const server = [
    row('late', { closed_at: '2026-12-06T20:00:00+08:00' }),
    row('early', { closed_at: '2026-12-06T16:00:00+08:00', status: 'handed_over', variance_fen: 250 }),
    row('even', { variance_fen: 0 }),
    row('open', { status: 'open', variance_fen: null }),
    row('approved', { status: 'approved' }),
    row('mine', { cashier_id: 9 }),
    row('other-site', { site_id: 2 }),
  ];
  const view = shiftsView(server, [], 9);

  it('queue the shifts closed with a variance of my sites, the oldest close first, not my own', () => {
    expect(shiftQueue(view, lina).map((s) => s.id)).toEqual(['early', 'late']);
    expect(shiftQueue(view, { ...lina, roles: ['cashier'] })).toEqual([]);
    const by = (id: string) => view.find((s) => s.id === id)!;
    expect(shiftRefusal(by('late'), lina)).toBeNull();
    expect(shiftRefusal(by('mine'), lina)).toBe('self_review');
    expect(shiftRefusal(by('even'), lina)).toBe('not_submitted');
    expect(shiftRefusal(by('approved'), lina)).toBe('not_submitted');
    expect(shiftRefusal(by('other-site'), lina)).toBe('forbidden');
  });

  it('carry the revision seen and the collection; sending back needs a comment', () => {
    const s = view.find((x) => x.id === 'late')!;
    expect(shiftReviewArgs('r1', 'approve', s, ' ')).toEqual({
      name: 'review.approve',
      args: { id: 'r1', collection: 'parking_shifts', record_id: 'late', revision: 3, comment: '' },
    });
    expect(shiftReviewArgs('r2', 'reject', s, ' 请重点现金 ')).toMatchObject({ name: 'review.reject', args: { comment: '请重点现金' } });
    expect(() => shiftReviewArgs('r3', 'reject', s, '')).toThrow(ReviewArgsError);
    expect(() => shiftReviewArgs('r4', 'approve', { id: 'x', revision: null }, '')).toThrow(ReviewArgsError);
  });

  it('say 长款 for more cash than expected and 短款 for less', () => {
    expect(varianceKind(250)).toBe('over');
    expect(varianceKind(-100)).toBe('short');
    expect(varianceKind(0)).toBe('even');
    expect(varianceKind(null)).toBe('even');
  });

  it('lay a decision made offline and a recount over the server shift', () => {
    const m = (seq: number, name: string, args: Record<string, unknown>, record_id: string) => ({
      id: `m${seq}`,
      seq,
      name,
      args,
      state: 'pending' as const,
      collection: 'parking_shifts',
      record_id,
      created_at: seq,
    });
    const decided = shiftsView(server, [m(1, 'review.reject', { id: 'r', collection: 'parking_shifts', record_id: 'late', revision: 3, comment: '少了一元' }, 'late')], 9);
    const late = decided.find((s) => s.id === 'late')!;
    expect(late).toMatchObject({ status: 'returned', review_comment: '少了一元', pending: 1 });
    expect(shiftQueue(decided, lina).map((s) => s.id)).toEqual(['early']);

    // The cashier's side: her returned shift may be counted again; the count shows it closed.
    const back = shiftsView([row('late', { status: 'returned', review_comment: '少了一元' })], [], 5);
    expect(mayRecount(back[0]!)).toBe(true);
    const recounted = shiftsView([row('late', { status: 'returned' })], [m(2, 'parking_shifts.close', { id: 'late', closed_at: 'z', count_counts: { '10000': 1 }, cards_on_hand: 1, bag_no: 'B' }, 'late')], 5);
    expect(recounted[0]).toMatchObject({ status: 'closed', counted_fen: 10000, pending: 1 });
    expect(mayRecount(recounted[0]!)).toBe(false);
  });

  it("list today's shifts of my sites by the site's calendar day", () => {
    expect(dayIn('2026-12-06T17:00:00Z', 'Asia/Shanghai')).toBe('2026-12-07');
    expect(dayIn('2026-12-06T15:59:59Z', 'Asia/Shanghai')).toBe('2026-12-06');
    const list = shiftsView(
      [
        row('a', { opened_at: '2026-12-06T08:00:00+08:00' }),
        row('b', { opened_at: '2026-12-06T20:00:00+08:00', status: 'open' }),
        row('yesterday', { opened_at: '2026-12-05T23:59:00+08:00' }),
        row('night', { opened_at: '2026-12-05T22:00:00+08:00', status: 'open' }),
        row('other-site', { site_id: 2 }),
      ],
      [],
      9,
    );
    const now = Date.parse('2026-12-06T22:00:00+08:00');
    expect(todaysShifts(list, lina, now, () => 'Asia/Shanghai').map((s) => s.id)).toEqual(['b', 'a', 'night']);
  });
});
