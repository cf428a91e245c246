/**
 * The parking tariff engine, a port of server/parking/tariff.py: the same rules (the same JSON)
 * give the same fee and the same lines, so the booth can quote a fee with no network. Both are
 * held to one table of worked examples (test/parking/tariff-examples.json, exported by the
 * Python tests). Read the Python module for how a stay is charged. Pure: no I/O, no imports.
 */

export type VehicleClass = 'small' | 'large';

export interface TariffRules {
  free_minutes: number;
  first_period_minutes: number;
  first_period_fen: number;
  unit_minutes: number;
  unit_fen: number;
  cap_fen: number;
  cap_per: '24h' | 'day';
  lost_ticket_fen: number;
}

export interface FeeLine {
  kind: 'free' | 'whole' | 'part' | 'lost_ticket';
  fen: number;
  count: number;
  seconds: number;
  units: number;
  capped: boolean;
  day: string | null;
}

export interface Fee {
  fee_fen: number;
  seconds: number;
  lines: FeeLine[];
}

/** A stay the engine cannot price: a time without its offset, or an exit before the entry. */
export class StayInvalid extends Error {
  constructor(
    readonly field: 'entry' | 'exit',
    reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

export const DAY_SECONDS = 86_400;
const OFFSET_AT_END = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

/** The instant floored to its whole second; an ISO text without an offset is refused. */
export function epochSeconds(at: string | Date, field: 'entry' | 'exit'): number {
  if (typeof at === 'string' && !OFFSET_AT_END.test(at.trim())) {
    throw new StayInvalid(field, 'a time needs its UTC offset');
  }
  const ms = (typeof at === 'string' ? new Date(at) : at).getTime();
  if (!Number.isFinite(ms)) throw new StayInvalid(field, 'not a time');
  return Math.floor(ms / 1000);
}

function periodCharge(rules: TariffRules, seconds: number): [fen: number, units: number, capped: boolean] {
  if (seconds <= 0) return [0, 0, false];
  const first = rules.first_period_minutes * 60;
  const unit = rules.unit_minutes * 60;
  const units = seconds <= first ? 0 : Math.ceil((seconds - first) / unit);
  const fen = rules.first_period_fen + units * rules.unit_fen;
  return fen > rules.cap_fen ? [rules.cap_fen, units, true] : [fen, units, false];
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall clock in `zone` at an instant, as [year, month, day, hour, minute, second]. */
function wallClock(epoch: number, zone: string): number[] {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, format);
  }
  const parts: Record<string, number> = {};
  for (const p of format.formatToParts(new Date(epoch * 1000))) parts[p.type] = Number(p.value);
  return ['year', 'month', 'day', 'hour', 'minute', 'second'].map((k) => parts[k] ?? 0);
}

/** The zone's offset from UTC at an instant, in seconds. */
function offsetAt(epoch: number, zone: string): number {
  const [y = 0, mo = 1, d = 1, h = 0, mi = 0, s = 0] = wallClock(epoch, zone);
  return Date.UTC(y, mo - 1, d, h, mi, s) / 1000 - epoch;
}

function isoDay(y: number, m: number, d: number): string {
  return new Date(Date.UTC(y, m - 1, d)).toISOString().slice(0, 10);
}

/**
 * The local day an instant falls on: the latest day whose midnight is not after it. Offsets lie
 * within UTC−12…UTC+14, so it is the UTC day 14 h later or one or two days before.
 */
function localDay(epoch: number, zone: string): string {
  let day = new Date((epoch + 14 * 3600) * 1000).toISOString().slice(0, 10);
  while (localMidnight(day, zone) > epoch) day = addDays(day, -1);
  return day;
}

function addDays(day: string, days: number): string {
  const [y = 0, m = 1, d = 1] = day.split('-').map(Number);
  return isoDay(y, m, d + days);
}

/**
 * The first instant of `day` in the zone, as Python's zoneinfo reads local midnight (PEP 495
 * fold=0): the earlier of two midnights, or the offset before the change where DST skips it.
 */
function localMidnight(day: string, zone: string): number {
  const key = `${zone} ${day}`;
  let midnight = midnights.get(key);
  if (midnight === undefined) {
    midnight = findLocalMidnight(day, zone);
    midnights.set(key, midnight);
  }
  return midnight;
}

// Intl is slow (a few µs a call) and a day's midnight never moves: each is found once.
const midnights = new Map<string, number>();

function findLocalMidnight(day: string, zone: string): number {
  const [y = 0, m = 1, d = 1] = day.split('-').map(Number);
  const wall = Date.UTC(y, m - 1, d) / 1000;
  const before = offsetAt(wall - DAY_SECONDS, zone);
  const after = offsetAt(wall + DAY_SECONDS, zone);
  const valid = [wall - before, wall - after].filter((t) => t + offsetAt(t, zone) === wall);
  return valid.length ? Math.min(...valid) : wall - before;
}

interface Period {
  start: number;
  end: number;
  whole: boolean;
  day: string | null;
}

function periods(rules: TariffRules, start: number, end: number, zone: string): Period[] {
  const out: Period[] = [];
  if (rules.cap_per === '24h') {
    for (let a = start; a < end; a += DAY_SECONDS) {
      out.push({ start: a, end: Math.min(a + DAY_SECONDS, end), whole: a + DAY_SECONDS <= end, day: null });
    }
    return out;
  }
  let day = localDay(start, zone);
  let a = start;
  let midnight = localMidnight(day, zone);
  while (a < end) {
    const following = localMidnight(addDays(day, 1), zone);
    out.push({ start: a, end: Math.min(following, end), whole: a === midnight && following <= end, day });
    a = midnight = following;
    day = addDays(day, 1);
  }
  return out;
}

function line(kind: FeeLine['kind'], fen: number, more: Partial<FeeLine> = {}): FeeLine {
  return { kind, fen, count: 1, seconds: 0, units: 0, capped: false, day: null, ...more };
}

/**
 * The fee for a stay from `entry` to `exit` (ISO texts with offsets, or Dates). `zone` is the
 * site's time zone, used only by calendar-day caps (Asia/Shanghai when not given).
 */
export function quote(
  rules: TariffRules,
  entry: string | Date,
  exit: string | Date,
  options: { lostTicket?: boolean; zone?: string } = {},
): Fee {
  const start = epochSeconds(entry, 'entry');
  const end = epochSeconds(exit, 'exit');
  if (end < start) throw new StayInvalid('exit', 'the exit is before the entry');
  const seconds = end - start;
  const lines: FeeLine[] = [];
  if (seconds <= rules.free_minutes * 60) {
    lines.push(line('free', 0, { seconds }));
  } else {
    for (const p of periods(rules, start, end, options.zone ?? 'Asia/Shanghai')) {
      const [fen, units, capped] = periodCharge(rules, p.end - p.start);
      const last = lines[lines.length - 1];
      if (!p.whole) {
        lines.push(line('part', fen, { seconds: p.end - p.start, units, capped, day: p.day }));
      } else if (last?.kind === 'whole' && last.fen === fen * last.count && last.capped === capped) {
        // Whole periods at the same price read as one line: "2 × 24 h at the cap".
        lines[lines.length - 1] = { ...last, fen: last.fen + fen, count: last.count + 1 };
      } else {
        lines.push(line('whole', fen, { capped, day: p.day }));
      }
    }
  }
  if (options.lostTicket) lines.push(line('lost_ticket', rules.lost_ticket_fen));
  return { fee_fen: lines.reduce((sum, l) => sum + l.fen, 0), seconds, lines };
}
