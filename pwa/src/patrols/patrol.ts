// Vacant-unit patrols (空置房巡查): checklist templates, patrol records, how
// their mutations show locally, the due list computed offline, meter-reading
// warnings and the save args. Pure functions; the database is read elsewhere.
import { deleteApplier, overlay, upsertApplier, type Applier, type OutboxLike, type ServerLike, type ViewRecord } from '../sync/overlay';
import type { Args } from '../sync/wire';
import { iso, isObj, num, str, strOrNull, strs } from '../app/fields';
import { today } from '../app/format';
import type { Unit } from '../app/units';

export const NAMES = {
  save: 'patrols.save',
  submit: 'patrols.submit',
  delete: 'patrols.delete',
  templateUpsert: 'patrol_templates.upsert',
} as const;

export const RESULTS = ['pass', 'fail', 'na'] as const;
export type ItemResult = (typeof RESULTS)[number];

/** The server refuses a reading above this (server/patrols/handlers.py MAX_READING). */
export const MAX_READING = 10_000_000;
/** A reading more than this many times the last one is implausible. */
export const HIGH_FACTOR = 10;

export interface ChecklistItem {
  key: string;
  zh: string;
  en: string;
  /** A failed answer needs a photo (a note it always needs). */
  photo_required: boolean;
}

export const METERS = ['water', 'electricity'] as const;
export type Meter = (typeof METERS)[number];
export const METER_UNITS: Record<Meter, string> = { water: 'm³', electricity: 'kWh' };

/** A meter the checklist reads: its unit, and whether a submit needs it. */
export interface ReadingSpec {
  meter: Meter;
  unit: string;
  required: boolean;
}

/** A name in each UI language. */
export interface LocalName {
  'zh-CN': string;
  en: string;
}

export interface Template {
  id: string;
  site_id: number | null;
  version: number;
  name: LocalName;
  items: ChecklistItem[];
  readings: ReadingSpec[];
  created_at: string | null;
}

export interface ItemAnswer {
  result: ItemResult;
  note: string;
  photos: string[];
  label: string;
}

export interface Patrol {
  id: string;
  site_id: number | null;
  unit_id: number | null;
  key_id: string | null;
  template_id: string | null;
  items: Record<string, ItemAnswer>;
  water_reading: number | null;
  electricity_reading: number | null;
  photos: string[];
  started_at: string | null;
  ended_at: string | null;
  note: string;
  status: string;
  author_id: number | null;
  created_at: string | null;
  submitted_at: string | null;
  reviewed_by: number | null;
  reviewed_at: string | null;
  review_comment: string;
  finding_ids: string[];
  /** Readings the server found lower than the unit's last accepted ones: meter → that last reading. */
  reading_flags: Partial<Record<Meter, number>>;
  /** Server revision (null: only on this device so far): what a review carries. */
  revision: number | null;
  pending: number;
}

export function isResult(v: unknown): v is ItemResult {
  return typeof v === 'string' && (RESULTS as readonly string[]).includes(v);
}

function items(v: unknown): Record<string, ItemAnswer> {
  const out: Record<string, ItemAnswer> = {};
  if (!isObj(v)) return out;
  for (const [k, a] of Object.entries(v)) {
    if (!isObj(a) || !isResult(a.result)) continue;
    out[k] = { result: a.result, note: str(a.note), photos: strs(a.photos), label: str(a.label) };
  }
  return out;
}

/**
 * A checklist name per language. A version saved when the name was one string
 * ("空置房巡查标准清单 / Vacant-unit checklist") splits at its " / ", as the server does.
 */
export function localName(v: unknown): LocalName {
  if (isObj(v)) {
    const zh = str(v['zh-CN']);
    const en = str(v.en);
    return { 'zh-CN': zh || en, en: en || zh };
  }
  const text = str(v);
  const at = text.indexOf(' / ');
  return at < 0 ? { 'zh-CN': text.trim(), en: text.trim() } : { 'zh-CN': text.slice(0, at).trim(), en: text.slice(at + 3).trim() };
}

/** A version from before readings were declared reads both meters, neither required. */
function readingSpecs(v: unknown): ReadingSpec[] {
  if (!Array.isArray(v)) return METERS.map((meter) => ({ meter, unit: METER_UNITS[meter], required: false }));
  const out: ReadingSpec[] = [];
  for (const r of v) {
    if (isObj(r) && (METERS as readonly unknown[]).includes(r.meter)) {
      const meter = r.meter as Meter;
      out.push({ meter, unit: str(r.unit) || METER_UNITS[meter], required: r.required === true });
    }
  }
  return out;
}

export function toTemplate(r: ServerLike | ViewRecord): Template {
  const f = r.fields;
  const list: ChecklistItem[] = [];
  if (Array.isArray(f.items)) {
    for (const it of f.items) {
      if (isObj(it) && typeof it.key === 'string') {
        list.push({ key: it.key, zh: str(it.zh) || it.key, en: str(it.en) || str(it.zh) || it.key, photo_required: it.photo_required === true });
      }
    }
  }
  return {
    id: r.id,
    site_id: num(f.site_id),
    version: num(f.version) ?? 1,
    name: localName(f.name),
    items: list,
    readings: readingSpecs(f.readings),
    created_at: strOrNull(f.created_at),
  };
}

function flags(v: unknown): Partial<Record<Meter, number>> {
  const out: Partial<Record<Meter, number>> = {};
  if (!isObj(v)) return out;
  for (const m of METERS) {
    const n = num(v[m]);
    if (n !== null) out[m] = n;
  }
  return out;
}

export function toPatrol(r: ViewRecord): Patrol {
  const f = r.fields;
  return {
    id: r.id,
    site_id: num(f.site_id),
    unit_id: num(f.unit_id),
    key_id: strOrNull(f.key_id),
    template_id: strOrNull(f.template_id),
    items: items(f.items),
    water_reading: num(f.water_reading),
    electricity_reading: num(f.electricity_reading),
    photos: strs(f.photos),
    started_at: strOrNull(f.started_at),
    ended_at: strOrNull(f.ended_at),
    note: str(f.note),
    status: str(f.status) || 'draft',
    author_id: num(f.author_id),
    created_at: strOrNull(f.created_at),
    submitted_at: strOrNull(f.submitted_at),
    reviewed_by: num(f.reviewed_by),
    reviewed_at: strOrNull(f.reviewed_at),
    review_comment: str(f.review_comment),
    finding_ids: strs(f.finding_ids),
    reading_flags: flags(f.reading_flags),
    revision: r.revision,
    pending: r.pending,
  };
}

/** Approved patrols are locked (the server refuses `record_locked`); a submitted one waits for review. */
export function isLocked(p: Pick<Patrol, 'status'>): boolean {
  return p.status === 'approved';
}

/** Whether the author may still change it: a draft or a rejected patrol. */
export function isEditable(p: Pick<Patrol, 'status'>): boolean {
  return p.status === 'draft' || p.status === 'rejected';
}

/** How this device shows its own patrol mutations (and its reviews) before the server answers. */
export function patrolAppliers(me: number | null): Record<string, Applier> {
  const upsert = upsertApplier(new Set(['photos']));
  return {
    [NAMES.save]: (current, args, row) => {
      const next = upsert(current, args, row);
      if (!current && next) {
        next.status ??= 'draft';
        next.author_id ??= me;
        next.created_at ??= iso(row.created_at);
        next.review_comment ??= '';
        next.finding_ids ??= [];
      }
      return next;
    },
    [NAMES.submit]: (current, _args, row) => {
      if (!current) return undefined;
      if (current.status !== 'draft' && current.status !== 'rejected' && current.status !== undefined) return current;
      return { ...current, status: 'submitted', submitted_at: iso(row.created_at), review_comment: '' };
    },
    [NAMES.delete]: deleteApplier,
    'review.approve': (current, args, row) => review(current, 'approved', args, me, row.created_at),
    'review.reject': (current, args, row) => review(current, 'rejected', args, me, row.created_at),
  };
}

function review(current: Record<string, unknown> | undefined, status: string, args: Args, me: number | null, at: number) {
  if (!current) return undefined;
  if (current.status !== 'submitted') return current;
  return { ...current, status, reviewed_by: me, reviewed_at: iso(at), review_comment: typeof args.comment === 'string' ? args.comment : '' };
}

export function patrolsView(server: readonly ServerLike[], outbox: readonly OutboxLike[], me: number | null): Patrol[] {
  return [...overlay('patrols', server, outbox, patrolAppliers(me)).values()].map(toPatrol);
}

export function templatesView(server: readonly ServerLike[], outbox: readonly OutboxLike[]): Template[] {
  const appliers: Record<string, Applier> = { [NAMES.templateUpsert]: (current, args) => current ?? { ...args } };
  return [...overlay('patrol_templates', server, outbox, appliers).values()].map(toTemplate);
}

/** The site's newest checklist version (the one a new patrol uses). */
export function currentTemplate(templates: readonly Template[], siteId: number | null): Template | null {
  let best: Template | null = null;
  for (const t of templates) {
    if (t.site_id !== siteId || t.items.length === 0) continue;
    if (!best || t.version > best.version) best = t;
  }
  return best;
}

// ---- units and the due list --------------------------------------------------

const DAY_MS = 86_400_000;

/** A moment as a calendar date on site ("YYYY-MM-DD"), as the server's due list reads it. */
function siteDate(isoText: string): string | null {
  const t = Date.parse(isoText);
  return Number.isNaN(t) ? null : today(t);
}

function addDays(d: string, n: number): string {
  return new Date(Date.parse(`${d}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/** When a patrol counts as done: its end, else its submission (as the server's due list). */
function patrolDay(p: Pick<Patrol, 'ended_at' | 'submitted_at'>): string | null {
  const at = p.ended_at ?? p.submitted_at;
  return at ? siteDate(at) : null;
}

/** Each unit's last approved patrol (the newest by end time). */
export function lastApproved(patrols: readonly Patrol[]): Map<number, Patrol> {
  const out = new Map<number, Patrol>();
  for (const p of patrols) {
    if (p.status !== 'approved' || p.unit_id === null) continue;
    const prev = out.get(p.unit_id);
    const at = p.ended_at ?? p.submitted_at ?? '';
    if (!prev || at > (prev.ended_at ?? prev.submitted_at ?? '')) out.set(p.unit_id, p);
  }
  return out;
}

export interface DueUnit {
  unit: Unit;
  last_patrolled: string | null;
  due: string;
  days_overdue: number;
}

export interface DueGroup {
  building: string;
  units: DueUnit[];
}

/**
 * Vacant units whose last approved patrol is older than their interval (or
 * never patrolled), as the server's GET /patrols/due computes it, from the
 * cached units and the synced patrols: most overdue first, grouped by
 * building (the building with the most overdue unit first).
 */
export function dueUnits(units: readonly Unit[], patrols: readonly Patrol[], today: string): DueUnit[] {
  const last = new Map<number, string>();
  for (const p of patrols) {
    if (p.status !== 'approved' || p.unit_id === null) continue;
    const d = patrolDay(p);
    if (!d) continue;
    const prev = last.get(p.unit_id);
    if (!prev || d > prev) last.set(p.unit_id, d);
  }
  const out: DueUnit[] = [];
  for (const u of units) {
    if (!u.vacant) continue;
    const seen = last.get(u.id) ?? null;
    // Due an interval after the last visit, or after the vacancy began for a first visit.
    const start = seen ?? u.vacant_since;
    const due = start ? addDays(start, u.patrol_interval_days) : today;
    if (due <= today) out.push({ unit: u, last_patrolled: seen, due, days_overdue: daysBetween(due, today) });
  }
  out.sort(
    (a, b) =>
      b.days_overdue - a.days_overdue ||
      a.unit.building_name.localeCompare(b.unit.building_name) ||
      a.unit.entrance.localeCompare(b.unit.entrance) ||
      a.unit.number.localeCompare(b.unit.number),
  );
  return out;
}

export function groupByBuilding(list: readonly DueUnit[]): DueGroup[] {
  const groups = new Map<string, DueGroup>();
  for (const d of list) {
    const g = groups.get(d.unit.building_name) ?? { building: d.unit.building_name, units: [] };
    g.units.push(d);
    groups.set(d.unit.building_name, g);
  }
  return [...groups.values()];
}

// ---- meter readings ------------------------------------------------------------

export type ReadingWarning = 'lower' | 'high' | 'invalid';

/**
 * A warning for a meter reading against the unit's last approved one: lower
 * than it (a meter does not run backwards), implausibly high (more than ten
 * times it), or not a reading at all (negative, above the server's limit).
 */
export function readingWarning(value: number | null, last: number | null): ReadingWarning | null {
  if (value === null) return null;
  if (!Number.isFinite(value) || value < 0 || value > MAX_READING) return 'invalid';
  if (last === null) return null;
  if (value < last) return 'lower';
  if (last > 0 && value > last * HIGH_FACTOR) return 'high';
  return null;
}

/** The unit's last approved readings (other than `exceptId`'s own). */
export function lastReadings(patrols: readonly Patrol[], unitId: number | null, exceptId?: string): { water: number | null; electricity: number | null; at: string | null } {
  let water: number | null = null;
  let electricity: number | null = null;
  let wAt = '';
  let eAt = '';
  for (const p of patrols) {
    if (p.status !== 'approved' || p.unit_id !== unitId || p.id === exceptId) continue;
    const at = p.ended_at ?? p.submitted_at ?? '';
    if (p.water_reading !== null && at >= wAt) {
      water = p.water_reading;
      wAt = at;
    }
    if (p.electricity_reading !== null && at >= eAt) {
      electricity = p.electricity_reading;
      eAt = at;
    }
  }
  const at = wAt > eAt ? wAt : eAt;
  return { water, electricity, at: at || null };
}

/** A reading typed in a text field: a number, or null for empty / not a number. */
export function parseReading(s: string): number | null {
  const t = s.trim().replace(',', '.');
  if (t === '') return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

// ---- saving --------------------------------------------------------------------

/** What the form edits. */
export interface PatrolValues {
  items: Record<string, ItemAnswer>;
  water_reading: number | null;
  electricity_reading: number | null;
  photos: string[];
  started_at: string | null;
  ended_at: string | null;
  note: string;
  key_id: string | null;
}

export function valuesOf(p: Patrol): PatrolValues {
  return {
    items: p.items,
    water_reading: p.water_reading,
    electricity_reading: p.electricity_reading,
    photos: p.photos,
    started_at: p.started_at,
    ended_at: p.ended_at,
    note: p.note,
    key_id: p.key_id,
  };
}

function sameItems(a: Record<string, ItemAnswer>, b: Record<string, ItemAnswer>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  if (ka.join('\u0000') !== kb.join('\u0000')) return false;
  return ka.every((k) => {
    const x = a[k]!;
    const y = b[k]!;
    return x.result === y.result && x.note === y.note && x.label === y.label && x.photos.join() === y.photos.join();
  });
}

/**
 * `patrols.save` args: the changed fields only (the server merges per field).
 * `items` is one field: sent whole when any answer changed. Photos are a set:
 * sent as {add, remove}. Null when nothing changed.
 */
export function saveArgs(id: string, values: PatrolValues, before: PatrolValues): Args | null {
  const args: Args = { id };
  if (!sameItems(values.items, before.items)) args.items = values.items;
  for (const k of ['water_reading', 'electricity_reading', 'started_at', 'ended_at', 'note', 'key_id'] as const) {
    if (values[k] !== before[k]) args[k] = values[k];
  }
  const add = values.photos.filter((h) => !before.photos.includes(h)).sort();
  const remove = before.photos.filter((h) => !values.photos.includes(h)).sort();
  if (add.length || remove.length) args.photos = { add, remove };
  return Object.keys(args).length > 1 ? args : null;
}

/** The args that start a draft: what the server requires to create one. */
export function startArgs(id: string, siteId: number, unitId: number, templateId: string, startedAt: string, keyId: string | null): Args {
  const args: Args = { id, site_id: siteId, unit_id: unitId, template_id: templateId, started_at: startedAt, items: {} };
  if (keyId) args.key_id = keyId;
  return args;
}

export type EvidenceCode = 'note_required' | 'photo_required';
export type ReadingProblem = 'reading_required' | 'invalid';

/**
 * What a submit still lacks, as the server checks it (server/patrols/handlers.py
 * check_evidence): a note on every failed item, a photo on a failed item whose
 * checklist item asks for one, each reading the checklist requires. Readings
 * typed but not numbers (`texts`) are `invalid` on save too.
 */
export function evidenceProblems(
  t: Template | null,
  values: Pick<PatrolValues, 'items' | 'water_reading' | 'electricity_reading'>,
  texts: Record<Meter, string>,
): { items: Map<string, EvidenceCode>; readings: Map<Meter, ReadingProblem> } {
  const items = new Map<string, EvidenceCode>();
  for (const i of t?.items ?? []) {
    const a = values.items[i.key];
    if (!a || a.result !== 'fail') continue;
    if (!a.note.trim()) items.set(i.key, 'note_required');
    else if (i.photo_required && a.photos.length === 0) items.set(i.key, 'photo_required');
  }
  const readings = new Map<Meter, ReadingProblem>();
  for (const m of METERS) {
    const value = values[`${m}_reading`];
    if (texts[m].trim() !== '' && (value === null || readingWarning(value, null) === 'invalid')) readings.set(m, 'invalid');
    else if (value === null && t?.readings.some((r) => r.meter === m && r.required)) readings.set(m, 'reading_required');
  }
  return { items, readings };
}

/** Checklist items not answered yet (a submit needs every item answered). */
export function unanswered(t: Template | null, items: Record<string, ItemAnswer>): ChecklistItem[] {
  return (t?.items ?? []).filter((i) => !items[i.key]);
}

/** A draft (or rejected patrol) of this unit by this author, newest first: resume it rather than start another. */
export function openPatrolOf(patrols: readonly Patrol[], unitId: number, me: number | null): Patrol | null {
  const list = patrols
    .filter((p) => p.unit_id === unitId && p.author_id === me && isEditable(p))
    .sort((a, b) => (b.started_at ?? b.created_at ?? '').localeCompare(a.started_at ?? a.created_at ?? ''));
  return list[0] ?? null;
}

/**
 * The server's own due list (GET /api/sites/{id}/patrols/due, cached): used
 * for a site whose unit list is not on the phone yet.
 */
export function parseServerDue(v: unknown, siteId: number): DueUnit[] {
  if (!Array.isArray(v)) return [];
  const out: DueUnit[] = [];
  for (const d of v) {
    if (!isObj(d) || typeof d.unit_id !== 'number' || typeof d.due !== 'string') continue;
    out.push({
      unit: {
        id: d.unit_id,
        site_id: siteId,
        building_id: 0,
        building_name: str(d.building),
        entrance: str(d.entrance),
        number: str(d.number),
        vacant: true,
        vacant_since: strOrNull(d.vacant_since),
        patrol_interval_days: num(d.interval_days) ?? 7,
        area_m2: null,
      },
      last_patrolled: strOrNull(d.last_patrolled),
      due: d.due,
      days_overdue: num(d.days_overdue) ?? 0,
    });
  }
  return out;
}
