// The reports' pure model: the shapes of the one door (`GET /api/reports`, `GET
// /api/reports/{name}`, see server/reports/schemas.py), its addresses with period,
// filters and paging, cells as people read them, the period presets, pages, the
// series a chart draws, and which refusal belongs next to which field.
import type { Lang } from '../i18n';
import { dateTime, day, yuan } from '../app/format';

/** How a column's cells are typed (server/reports/schemas.py `Kind`). */
export type Kind = 'text' | 'int' | 'fen' | 'date' | 'datetime' | 'score';

export interface ReportFilter {
  name: string;
  /** In the caller's language. */
  title: string;
  kind: 'choice' | 'person' | 'text';
  choices: { value: string; title: string }[];
}

export interface ChartSpec {
  kind: 'bar' | 'line';
  /** The column along the x axis. */
  x: string;
  /** The columns drawn, one colour each. */
  series: string[];
  stacked: boolean;
}

export interface ReportListItem {
  name: string;
  title: { 'zh-CN': string; en: string };
  formats: string[];
  filters: ReportFilter[];
  chart: ChartSpec | null;
  approved_only: boolean;
}

export interface ReportColumn {
  key: string;
  title: string;
  kind: Kind;
}

export interface ReportTotal {
  key: string;
  title: string;
  value: number;
  kind: Kind;
}

export type Row = Record<string, unknown>;

export interface ReportRead {
  name: string;
  title: string;
  site_id: number;
  site_name: string;
  from: string;
  to: string;
  columns: ReportColumn[];
  rows: Row[];
  totals: ReportTotal[];
  truncated: boolean;
  row_limit: number;
  note: string;
  offset: number;
  limit: number;
  /** Rows matching before paging (after the cap). */
  row_count: number;
  approved_only: boolean;
  chart: ChartSpec | null;
}

// A phone screen's worth of rows.
export const PAGE_SIZE = 20;
export type Format = 'json' | 'xlsx' | 'csv' | 'pdf';
export const EXPORTS = ['xlsx', 'csv', 'pdf'] as const;

export function reportTitle(r: Pick<ReportListItem, 'title' | 'name'>, l: Lang): string {
  return r.title[l] || r.title['zh-CN'] || r.name;
}

export function isDashboard(r: ReportListItem): boolean {
  return r.chart !== null;
}

export interface Period {
  from: string;
  to: string;
}

export type Preset = 'this_month' | 'last_month' | 'custom';

/** This month on site up to today ("today" is the site's, app/site.ts). */
export function thisMonth(today: string): Period {
  return { from: `${today.slice(0, 7)}-01`, to: today };
}

/** The whole month before today's. */
export function lastMonth(today: string): Period {
  const [y, m] = today.split('-').map(Number) as [number, number];
  const py = m === 1 ? y - 1 : y;
  const pm = m === 1 ? 12 : m - 1;
  const last = new Date(Date.UTC(py, pm, 0)).getUTCDate();
  const mm = String(pm).padStart(2, '0');
  return { from: `${py}-${mm}-01`, to: `${py}-${mm}-${String(last).padStart(2, '0')}` };
}

export function presetPeriod(p: Exclude<Preset, 'custom'>, today: string): Period {
  return p === 'this_month' ? thisMonth(today) : lastMonth(today);
}

export interface Query extends Period {
  site_id: string;
  /** The report's own filters by name; empty values are left out. */
  filters?: Readonly<Record<string, string>>;
  format?: Format;
  /** Paging: JSON only (exports give the whole capped ledger). */
  offset?: number;
  limit?: number;
}

/** The door's address for one report, site, period and filters. */
export function reportUrl(name: string, q: Query): string {
  const p = new URLSearchParams({ site_id: q.site_id, from: q.from, to: q.to });
  for (const [k, v] of Object.entries(q.filters ?? {})) if (v !== '') p.set(k, v);
  const format = q.format ?? 'json';
  if (format === 'json') {
    if (q.offset) p.set('offset', String(q.offset));
    if (q.limit !== undefined) p.set('limit', String(q.limit));
  } else {
    p.set('format', format);
  }
  return `/api/reports/${encodeURIComponent(name)}?${p.toString()}`;
}

/** A cell as people read it: fen as ¥ yuan with two decimals, dates in the site's zone. */
export function cellText(v: unknown, kind: Kind, l: Lang): string {
  if (v === null || v === undefined || v === '') return '';
  switch (kind) {
    case 'fen':
      return typeof v === 'number' ? yuan(v) : String(v);
    case 'score':
      return typeof v === 'number' ? v.toFixed(2) : String(v);
    case 'int':
      return typeof v === 'number' ? new Intl.NumberFormat(l).format(v) : String(v);
    case 'date':
      return typeof v === 'string' ? day(v, l) : String(v);
    case 'datetime':
      return typeof v === 'string' || typeof v === 'number' ? dateTime(v, l) : String(v);
    default:
      return String(v);
  }
}

export function isNumeric(kind: Kind): boolean {
  return kind === 'int' || kind === 'fen' || kind === 'score';
}

export interface PageInfo {
  /** 1-based, 0 when there are no rows. */
  first: number;
  last: number;
  total: number;
  prev: number | null;
  next: number | null;
}

/** Where this page sits in the whole ledger, and the offsets of its neighbours. */
export function pageInfo(r: Pick<ReportRead, 'offset' | 'limit' | 'row_count' | 'rows'>): PageInfo {
  const n = r.rows.length;
  const first = n === 0 ? 0 : r.offset + 1;
  const last = r.offset + n;
  return {
    first,
    last,
    total: r.row_count,
    prev: r.offset > 0 ? Math.max(0, r.offset - r.limit) : null,
    next: last < r.row_count && n > 0 ? r.offset + r.limit : null,
  };
}

export interface Series {
  key: string;
  title: string;
  kind: Kind;
  values: (number | null)[];
}

export interface ChartData {
  kind: 'bar' | 'line';
  stacked: boolean;
  xKind: Kind;
  labels: string[];
  series: Series[];
  /** The top of the y axis: the largest bar, stack or point (0 when all are empty). */
  max: number;
  min: number;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** What a chart draws from a report's rows: x labels, one series per column, and the range. */
export function chartData(r: Pick<ReportRead, 'columns' | 'rows'>, spec: ChartSpec, l: Lang): ChartData {
  const col = (k: string) => r.columns.find((c) => c.key === k);
  const x = col(spec.x);
  const xKind: Kind = x?.kind ?? 'text';
  const labels = r.rows.map((row) => axisLabel(row[spec.x], xKind, l));
  const series = spec.series.map((key) => {
    const c = col(key);
    return { key, title: c?.title ?? key, kind: c?.kind ?? 'int', values: r.rows.map((row) => num(row[key])) };
  });
  // Lines are never stacked: each is read against the axis on its own.
  const stacked = spec.stacked && spec.kind === 'bar';
  let max = 0;
  let min = 0;
  for (let i = 0; i < labels.length; i++) {
    if (stacked) {
      let pos = 0;
      let neg = 0;
      for (const s of series) {
        const v = s.values[i] ?? 0;
        if (v >= 0) pos += v;
        else neg += v;
      }
      max = Math.max(max, pos);
      min = Math.min(min, neg);
    } else {
      for (const s of series) {
        const v = s.values[i];
        if (v === null || v === undefined) continue;
        max = Math.max(max, v);
        min = Math.min(min, v);
      }
    }
  }
  return { kind: spec.kind, stacked, xKind, labels, series, max, min };
}

/** Short x labels: a day as MM-DD, a month as YYYY-MM, anything else as its cell text. */
export function axisLabel(v: unknown, kind: Kind, l: Lang): string {
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)) return v.slice(5);
  if (kind === 'date' || kind === 'datetime') return cellText(v, kind, l);
  return v === null || v === undefined ? '' : cellText(v, kind, l);
}

/** A value on the chart's axis: fen in whole yuan (the ticks are short), else the cell text. */
export function axisValue(v: number, kind: Kind, l: Lang): string {
  if (kind === 'fen') return `¥${new Intl.NumberFormat(l, { maximumFractionDigits: 0 }).format(v / 100)}`;
  if (kind === 'score') return v.toFixed(0);
  return new Intl.NumberFormat(l, { maximumFractionDigits: 1 }).format(v);
}

/** Up to `n` round steps from 0 to at least `max` (1, 2 or 5 times a power of ten). */
export function ticks(max: number, n = 4): number[] {
  if (max <= 0) return [0];
  const raw = max / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * p).find((s) => s >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let v = 0; v < max + step; v += step) {
    out.push(v);
    if (v >= max) break;
  }
  return out;
}

/** Where a refusal is shown: next to the period, next to one filter, or above the report. */
export type ErrorPlace = { at: 'period' } | { at: 'filter'; name: string } | { at: 'site' } | { at: 'report' };

export function errorPlace(err: unknown, filters: readonly string[]): ErrorPlace {
  const e = typeof err === 'object' && err !== null ? (err as { code?: unknown; field?: unknown }) : {};
  const field = typeof e.field === 'string' ? e.field : null;
  if (e.code === 'invalid_period' || field === 'from' || field === 'to') return { at: 'period' };
  if (field === 'site_id') return { at: 'site' };
  if (field !== null && filters.includes(field)) return { at: 'filter', name: field };
  return { at: 'report' };
}
