// Dates and times as people on site read them: in the site's time zone (the
// server's, sent with the user's sites; see app/site.ts), in the UI language.
import { signal } from '@preact/signals';
import type { Lang } from '../i18n';

/** The server's default zone for a site (server/sites/tables.py), until the user's sites say theirs. */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';
/** The zone every date and time on screen is read in; a signal, so screens redraw when it is learnt. */
export const timeZone = signal(DEFAULT_TIME_ZONE);

const cache = new Map<string, Intl.DateTimeFormat>();

function fmt(l: string, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const zone = timeZone.value;
  const key = `${zone}|${l}|${JSON.stringify(opts)}`;
  let f = cache.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(l, { timeZone: zone, ...opts });
    cache.set(key, f);
  }
  return f;
}

/** A moment (ms or ISO text) as date and time, e.g. 2025/11/25 14:05. Empty for nothing. */
export function dateTime(v: number | string | null | undefined, l: Lang): string {
  if (v === null || v === undefined || v === '') return '';
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) return typeof v === 'string' ? v : '';
  return fmt(l, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }).format(d);
}

/** A calendar date "YYYY-MM-DD" (no time zone: it is a date on site) in the UI language. */
export function day(v: string | null, l: Lang): string {
  if (!v) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (!m) return v;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 4));
  return fmt(l, { year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}

/** Today on site as "YYYY-MM-DD". */
export function today(now: number = Date.now()): string {
  const parts = fmt('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(now));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** Fen as yuan text: 123456 → "¥1234.56" (integer maths, no float rounding). */
export function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const a = Math.abs(fen);
  return `${sign}¥${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
}

export function bytes(n: number | undefined, l: Lang): string {
  if (n === undefined || !Number.isFinite(n)) return '—';
  const units = ['B', 'KB', 'MB', 'GB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${new Intl.NumberFormat(l, { maximumFractionDigits: i === 0 ? 0 : 1 }).format(v)} ${units[i]}`;
}
