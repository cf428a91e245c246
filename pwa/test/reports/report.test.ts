// The reports' model against answers shaped exactly like the contract: cells (fen as ¥
// yuan, dates on site), the period presets, the door's addresses with filters and
// paging, pages, what a chart draws, where a refusal is shown; and the dashboard's
// figures kept for offline use.
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { closeLocal, getLocalMeta, openLocal } from '../../src/db/local';
import { parseRoute, pathOf } from '../../src/app/state';
import { ApiError } from '../../src/sync/api';
import { axisLabel, cellText, chartData, errorPlace, lastMonth, pageInfo, reportUrl, thisMonth, ticks, type ReportListItem, type ReportRead } from '../../src/reports/report';
import { fetchDashboard, fetchList } from '../../src/reports/store';

const LIST: ReportListItem[] = [
  {
    name: 'parking_takings',
    title: { 'zh-CN': '停车收入', en: 'Parking takings' },
    formats: ['json', 'xlsx', 'csv', 'pdf'],
    filters: [],
    chart: { kind: 'bar', x: 'day', series: ['cash_fen', 'wechat_fen'], stacked: true },
    approved_only: true,
  },
  {
    name: 'keys',
    title: { 'zh-CN': '钥匙台账', en: 'Keys' },
    formats: ['json', 'xlsx', 'csv', 'pdf'],
    filters: [
      { name: 'status', title: '状态', kind: 'choice', choices: [{ value: 'out', title: '借出' }] },
      { name: 'holder', title: '持有人', kind: 'person', choices: [] },
    ],
    chart: null,
    approved_only: false,
  },
];

const TAKINGS: ReportRead = {
  name: 'parking_takings',
  title: '停车收入',
  site_id: 1,
  site_name: '翠湖花园',
  from: '2026-12-01',
  to: '2026-12-06',
  columns: [
    { key: 'day', title: '日期', kind: 'date' },
    { key: 'cash_fen', title: '现金', kind: 'fen' },
    { key: 'wechat_fen', title: '微信', kind: 'fen' },
  ],
  rows: [
    { day: '2026-12-01', cash_fen: 12050, wechat_fen: 3000 },
    { day: '2026-12-02', cash_fen: 0, wechat_fen: 8000 },
    { day: '2026-12-03', cash_fen: null, wechat_fen: 500 },
  ],
  totals: [{ key: 'total_fen', title: '合计', value: 23550, kind: 'fen' }],
  truncated: false,
  row_limit: 5000,
  note: '',
  offset: 0,
  limit: 100,
  row_count: 3,
  approved_only: true,
  chart: { kind: 'bar', x: 'day', series: ['cash_fen', 'wechat_fen'], stacked: true },
};

describe('cells', () => {
  it('shows fen as yuan with two decimals, without float rounding', () => {
    expect(cellText(12050, 'fen', 'zh-CN')).toBe('¥120.50');
    expect(cellText(-5, 'fen', 'zh-CN')).toBe('-¥0.05');
    expect(cellText(0, 'fen', 'en')).toBe('¥0.00');
    expect(cellText(1999999999, 'fen', 'zh-CN')).toBe('¥19999999.99');
  });

  it('shows dates on site, instants in the site zone, scores with two decimals, nothing as empty', () => {
    expect(cellText('2026-12-01', 'date', 'zh-CN')).toBe('2026/12/01');
    // 16:30 UTC is past midnight in Shanghai: the next day on site.
    expect(cellText('2026-11-30T16:30:00Z', 'datetime', 'zh-CN')).toBe('2026/12/01 00:30');
    expect(cellText(92.5, 'score', 'en')).toBe('92.50');
    expect(cellText(12345, 'int', 'en')).toBe('12,345');
    expect(cellText(null, 'fen', 'zh-CN')).toBe('');
    expect(cellText('张伟', 'text', 'zh-CN')).toBe('张伟');
  });
});

describe('periods', () => {
  it('defaults to this month up to today on site', () => {
    expect(thisMonth('2026-12-06')).toEqual({ from: '2026-12-01', to: '2026-12-06' });
  });

  it('knows last month across a year and a leap February', () => {
    expect(lastMonth('2026-01-15')).toEqual({ from: '2025-12-01', to: '2025-12-31' });
    expect(lastMonth('2028-03-01')).toEqual({ from: '2028-02-01', to: '2028-02-29' });
    expect(lastMonth('2026-12-06')).toEqual({ from: '2026-11-01', to: '2026-11-30' });
  });
});

describe('the door', () => {
  const q = { site_id: '1', from: '2026-12-01', to: '2026-12-31' };

  it('asks JSON pages with offset and limit, and leaves empty filters out', () => {
    expect(reportUrl('keys', { ...q, filters: { status: 'out', holder: '' }, offset: 50, limit: 50 })).toBe(
      '/api/reports/keys?site_id=1&from=2026-12-01&to=2026-12-31&status=out&offset=50&limit=50',
    );
    expect(reportUrl('keys', { ...q, limit: 50 })).toBe('/api/reports/keys?site_id=1&from=2026-12-01&to=2026-12-31&limit=50');
  });

  it('exports through the same door with format=…, never paged', () => {
    expect(reportUrl('keys', { ...q, filters: { status: 'lost' }, format: 'xlsx', offset: 50, limit: 50 })).toBe(
      '/api/reports/keys?site_id=1&from=2026-12-01&to=2026-12-31&status=lost&format=xlsx',
    );
  });

  it('routes the dashboard, the ledgers and one ledger', () => {
    expect(parseRoute('/reports')).toEqual({ name: 'reports' });
    expect(parseRoute('/ledgers')).toEqual({ name: 'ledgers' });
    expect(parseRoute('/ledgers/parking_day')).toEqual({ name: 'ledger', report: 'parking_day' });
    expect(pathOf({ name: 'ledger', report: 'vendor_evaluations' })).toBe('/ledgers/vendor_evaluations');
  });
});

describe('pages', () => {
  const page = (offset: number, n: number, count: number) => ({ offset, limit: 50, row_count: count, rows: Array.from({ length: n }, () => ({})) });

  it('says which rows are shown and where the neighbours start', () => {
    expect(pageInfo(page(0, 50, 120))).toEqual({ first: 1, last: 50, total: 120, prev: null, next: 50 });
    expect(pageInfo(page(50, 50, 120))).toEqual({ first: 51, last: 100, total: 120, prev: 0, next: 100 });
    expect(pageInfo(page(100, 20, 120))).toEqual({ first: 101, last: 120, total: 120, prev: 50, next: null });
    expect(pageInfo(page(0, 0, 0))).toEqual({ first: 0, last: 0, total: 0, prev: null, next: null });
  });
});

describe('charts', () => {
  it('draws one series per column, stacked to the largest day', () => {
    const d = chartData(TAKINGS, TAKINGS.chart!, 'zh-CN');
    expect(d.labels).toEqual(['12-01', '12-02', '12-03']);
    expect(d.series.map((s) => [s.title, s.kind, s.values])).toEqual([
      ['现金', 'fen', [12050, 0, null]],
      ['微信', 'fen', [3000, 8000, 500]],
    ]);
    expect(d.max).toBe(15050);
    expect(d.stacked).toBe(true);
  });

  it('reads lines on their own and keeps negative variances below zero', () => {
    const rows = [
      { shift: 'A', variance_fen: -300 },
      { shift: 'B', variance_fen: 100 },
    ];
    const cols = [
      { key: 'shift', title: '班次', kind: 'text' as const },
      { key: 'variance_fen', title: '差额', kind: 'fen' as const },
    ];
    const d = chartData({ columns: cols, rows }, { kind: 'line', x: 'shift', series: ['variance_fen'], stacked: true }, 'zh-CN');
    expect([d.min, d.max, d.stacked]).toEqual([-300, 100, false]);
    expect(axisLabel('2026-12', 'text', 'zh-CN')).toBe('2026-12');
  });

  it('puts round ticks up to the top', () => {
    expect(ticks(15050)).toEqual([0, 5000, 10000, 15000, 20000]);
    expect(ticks(3)).toEqual([0, 1, 2, 3]);
    expect(ticks(0)).toEqual([0]);
  });
});

describe('refusals', () => {
  const filters = ['status', 'holder'];

  it('go next to the field they are about', () => {
    expect(errorPlace(new ApiError(400, 'invalid_period', '日期范围无效'), filters)).toEqual({ at: 'period' });
    expect(errorPlace(new ApiError(400, 'invalid_args', '', null, 'from'), filters)).toEqual({ at: 'period' });
    expect(errorPlace(new ApiError(400, 'invalid_args', '', null, 'status'), filters)).toEqual({ at: 'filter', name: 'status' });
    expect(errorPlace(new ApiError(403, 'forbidden', '', null, 'site_id'), filters)).toEqual({ at: 'site' });
    expect(errorPlace(new ApiError(400, 'unknown_filter', '', null, 'colour'), filters)).toEqual({ at: 'report' });
  });
});

describe('the dashboard kept for offline use', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    closeLocal();
  });

  it('keeps the list and each chart of the site and period, and keeps them when the network fails', async () => {
    const db = openLocal('reports-1', `fieldkeep-reports-test-${Date.now()}`);
    const asked: string[] = [];
    vi.stubGlobal('fetch', (url: string) => {
      asked.push(url);
      const body = url === '/api/reports' ? LIST : TAKINGS;
      return Promise.resolve(new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } }));
    });
    const list = await fetchList();
    const { data: dash } = await fetchDashboard(list, '1', { from: '2026-12-01', to: '2026-12-06' });
    // Only the reports with a chart, whole (a chart's rows are its points).
    expect(asked).toEqual(['/api/reports', '/api/reports/parking_takings?site_id=1&from=2026-12-01&to=2026-12-06&limit=500']);
    expect(dash.reports.map((r) => r.name)).toEqual(['parking_takings']);
    const kept = await getLocalMeta<{ at: number; data: typeof dash }>(db, 'dashboard:1');
    expect(kept?.data).toEqual(dash);
    expect(typeof kept?.at).toBe('number');
    expect((await getLocalMeta<{ data: unknown }>(db, 'reports'))?.data).toEqual(LIST);

    vi.stubGlobal('fetch', () => Promise.reject(new TypeError('Failed to fetch')));
    await expect(fetchDashboard(list, '1', { from: '2026-11-01', to: '2026-11-30' })).rejects.toMatchObject({ code: 'network' });
    expect((await getLocalMeta<{ data: typeof dash }>(db, 'dashboard:1'))?.data).toEqual(dash);
  });
});
