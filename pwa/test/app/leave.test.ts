import { describe, expect, it } from 'vitest';
import { leave, navigate, route } from '../../src/app/state';

describe('leaving a screen after its save', () => {
  it('goes on when the person is still on the screen that saved', () => {
    navigate({ name: 'review-item', id: 'p1' });
    const here = route.value;
    leave(here, 'review');
    expect(route.value).toEqual({ name: 'review' });
  });

  it('stays where the person went while the save ran', () => {
    navigate({ name: 'review-item', id: 'p2' });
    const here = route.value;
    navigate('sync'); // tapped 同步 before the save answered
    leave(here, 'review');
    expect(route.value).toEqual({ name: 'sync' });
  });
});
