// The review queue and the args of a decision (the revision the supervisor saw).
import { describe, expect, it } from 'vitest';
import { reviewArgs, reviewQueue, reviewRefusal, ReviewArgsError } from '../../src/review/review';
import { patrol } from '../records';

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
