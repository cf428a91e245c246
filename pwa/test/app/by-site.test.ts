import { describe, expect, it } from 'vitest';
import { bySite } from '../../src/app/site';

describe('all-sites lists by site', () => {
  it('put two sites\' "3栋1单元301" in two groups under the sites\' names, in the user\'s order', () => {
    const sites = [
      { id: '2', name: '翠湖花园' },
      { id: '1', name: '东方明珠苑' },
    ];
    const rows = [
      { id: 'a', site: 1, unit: '3栋1单元301' },
      { id: 'b', site: 2, unit: '3栋1单元301' },
      { id: 'c', site: 1, unit: '1栋1单元101' },
      { id: 'd', site: 9, unit: '5栋' },
    ];
    const groups = bySite(rows, (r) => r.site, sites);
    expect(groups.map((g) => [g.name, g.items.map((r) => r.id)])).toEqual([
      ['翠湖花园', ['b']],
      ['东方明珠苑', ['a', 'c']],
      ['#9', ['d']],
    ]);
    expect(bySite([], (r: { site: number }) => r.site, sites)).toEqual([]);
  });
});
