import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { clampTransform, zoomAt } from '../../src/photos/Viewer';

describe('viewer gestures', () => {
  it('zooms about the pinch centre and follows it as it moves', () => {
    const tf = zoomAt({ s: 1, x: 0, y: 0 }, 2, { x: 100, y: 50 });
    expect(tf).toEqual({ s: 2, x: -100, y: -50 }); // the point under the fingers stays put
    const moved = zoomAt(tf, 3, { x: 100, y: 50 }, { x: 120, y: 50 });
    expect(moved).toEqual({ s: 3, x: -180, y: -100 }); // content point (100, 50) now under (120, 50)
  });

  it('keeps the scale between 1 and 6 and the image covering the stage', () => {
    expect(clampTransform({ s: 0.5, x: 10, y: 10 }, 360, 600)).toEqual({ s: 1, x: 0, y: 0 });
    expect(clampTransform({ s: 9, x: 50, y: -9999 }, 360, 600)).toEqual({ s: 6, x: 0, y: 600 - 600 * 6 });
    expect(clampTransform({ s: 2, x: -100, y: -50 }, 360, 600)).toEqual({ s: 2, x: -100, y: -50 });
  });
});
