// The vendors feature's data: the vendors, zones and current templates as last
// fetched (app/cache.ts: scored offline), the phone's scoring of an inspection
// (the same rules as server/vendors/scoring.py, so the total shows live and a
// missing photo is said next to its item before the server would refuse it),
// the inspections as pulled with this phone's queued ones laid over, and the one
// write: inspections.submit (an outbox intent: kept until online).
import { computed, signal } from '@preact/signals';
import { CACHE } from '../app/cache';
import { localSnapshot, mutate } from '../app/data';
import { cached } from '../app/site';
import { localDb, watch, type NewPhoto, type ServerRow } from '../db/local';
import { uuid } from '../sync/hlc';
import type { Args } from '../sync/wire';

export type Service = 'cleaning' | 'greening' | 'pest';
export type Deduction = 0 | 1 | 2 | 5;
export const DEDUCTIONS: readonly Deduction[] = [1, 2, 5];
export type Mode = 'quick' | 'full';

export interface Vendor {
  id: number;
  name: string;
  service: Service;
  active: boolean;
}
export interface Zone {
  id: number;
  site_id: number;
  kind: string;
  name: string;
  active: boolean;
}
export interface TemplateItem {
  id: number;
  code: string;
  label_zh: string;
  label_en: string;
  max_points: number;
  zone_kind: string; // '' = any zone
  critical: boolean;
  photo_required: boolean;
}
export interface TemplateVersion {
  id: number;
  service: Service;
  version: number;
  name: string;
  critical_cap_score: number;
  items: TemplateItem[];
}

// ---- cached master data ---------------------------------------------------------

export function vendorsOf(siteId: string): Vendor[] | null {
  const c = cached<Vendor[]>(`${CACHE.vendors}${siteId}`);
  return Array.isArray(c?.data) ? c.data.filter((v) => v.active) : null;
}

export function zonesOf(siteId: string): Zone[] | null {
  const c = cached<Zone[]>(`${CACHE.zones}${siteId}`);
  return Array.isArray(c?.data) ? c.data.filter((z) => z.active) : null;
}

export function templateOf(service: Service): TemplateVersion | null {
  const c = cached<TemplateVersion>(`${CACHE.template}${service}`);
  return c?.data && Array.isArray(c.data.items) ? c.data : null;
}

// ---- scoring (pure) -------------------------------------------------------------

/** One item as scored on the phone. */
export interface ItemEntry {
  points: Deduction; // 0: 合格
  reason: string;
  note: string;
  photos: string[];
}

export const PASS: ItemEntry = { points: 0, reason: '', note: '', photos: [] };

/** The template's items checked in this zone kind (an item without a zone applies everywhere). */
export function itemsFor(template: TemplateVersion, zoneKind: string): TemplateItem[] {
  return template.items.filter((i) => i.zone_kind === '' || i.zone_kind === zoneKind);
}

/**
 * The items an inspection sends: quick mode only the failed ones (the items added as
 * failed), full mode every item of the zone (unscored ones pass).
 */
export function itemsToSend(items: readonly TemplateItem[], entries: ReadonlyMap<number, ItemEntry>, mode: Mode): { item: TemplateItem; entry: ItemEntry }[] {
  const out = [];
  for (const item of items) {
    const entry = entries.get(item.id);
    if (mode === 'quick' && (!entry || entry.points === 0)) continue;
    out.push({ item, entry: entry ?? PASS });
  }
  return out;
}

/** The live total: 100 less the deductions (never below 0), capped by a critical failure. */
export function totalScore(template: TemplateVersion, entries: ReadonlyMap<number, ItemEntry>): { total: number; deducted: number; critical: number } {
  let deducted = 0;
  let critical = 0;
  for (const item of template.items) {
    const points = Math.min(entries.get(item.id)?.points ?? 0, item.max_points);
    deducted += points;
    if (points && item.critical) critical++;
  }
  const full = template.items.reduce((n, i) => n + i.max_points, 0);
  let total = Math.max(full - deducted, 0);
  if (critical) total = Math.min(total, template.critical_cap_score);
  return { total, deducted, critical };
}

/**
 * Why an item cannot be sent as it is, by item id (an error code of the server's:
 * `photo_required`, `score_out_of_range`, `reason_required`); empty when all is well.
 */
export function itemProblems(items: readonly TemplateItem[], entries: ReadonlyMap<number, ItemEntry>): Map<number, string> {
  const out = new Map<number, string>();
  for (const item of items) {
    const e = entries.get(item.id);
    if (!e || e.points === 0) continue;
    if (e.points > item.max_points) out.set(item.id, 'score_out_of_range');
    else if (item.photo_required && e.photos.length === 0) out.set(item.id, 'photo_required');
    else if (e.reason.trim() === '') out.set(item.id, 'reason_required');
  }
  return out;
}

// ---- inspections as pulled, with this phone's queued ones ---------------------------

export type InspectionStatus = 'submitted' | 'approved' | 'rejected' | 'queued';

export interface Inspection {
  id: string;
  site_id: number;
  vendor_id: number;
  vendor_name: string;
  zone_id: number;
  zone_name: string;
  at: string;
  mode: Mode;
  score: number | null;
  status: InspectionStatus;
  author_id: number | null;
  submitted_at: string | null;
  review_comment: string;
  critical_failures: number;
  revision: number | null;
}

const rows = signal<ServerRow[]>([]);
const itemRows = signal<ServerRow[]>([]);
let unwatch: (() => void) | null = null;

/** Start following the local inspections (once the feature is opened). */
export function followInspections(): void {
  const db = localDb();
  if (!db || unwatch) return;
  const a = watch(
    () => db.inspections.toArray(),
    (r) => (rows.value = r),
  );
  const b = watch(
    () => db.inspection_items.toArray(),
    (r) => (itemRows.value = r),
  );
  unwatch = () => {
    a();
    b();
  };
}

export function inspectionOf(r: ServerRow): Inspection {
  const f = r.fields;
  const status = f.status === 'approved' || f.status === 'rejected' ? f.status : 'submitted';
  return {
    id: r.id,
    site_id: Number(f.site_id),
    vendor_id: Number(f.vendor_id),
    vendor_name: String(f.vendor_name ?? ''),
    zone_id: Number(f.zone_id),
    zone_name: String(f.zone_name ?? ''),
    at: String(f.at ?? ''),
    mode: f.mode === 'full' ? 'full' : 'quick',
    score: typeof f.score === 'number' ? f.score : null,
    status,
    author_id: typeof f.author_id === 'number' ? f.author_id : null,
    submitted_at: typeof f.submitted_at === 'string' ? f.submitted_at : null,
    review_comment: String(f.review_comment ?? ''),
    critical_failures: Number(f.critical_failures ?? 0),
    revision: r.revision,
  };
}

/** The phone's own total of a queued submit (shown until the server's answer is pulled). */
function queuedScore(template: TemplateVersion, items: unknown): number {
  const entries = new Map<number, ItemEntry>();
  for (const i of Array.isArray(items) ? (items as { item_id: number; points_deducted: Deduction }[]) : []) {
    entries.set(i.item_id, { ...PASS, points: i.points_deducted });
  }
  return totalScore(template, entries).total;
}

export const inspections = computed<Inspection[]>(() => {
  const byId = new Map(rows.value.map((r) => [r.id, inspectionOf(r)]));
  for (const m of localSnapshot.value?.outbox ?? []) {
    if (m.name !== 'inspections.submit' || m.state === 'acked') continue;
    const before = byId.get(m.record_id);
    const siteId = String(m.args.site_id);
    const vendor = vendorsOf(siteId)?.find((v) => v.id === m.args.vendor_id);
    const zone = zonesOf(siteId)?.find((z) => z.id === m.args.zone_id);
    const template = vendor ? templateOf(vendor.service) : null;
    byId.set(m.record_id, {
      id: m.record_id,
      site_id: Number(m.args.site_id),
      vendor_id: Number(m.args.vendor_id),
      vendor_name: before?.vendor_name || vendor?.name || '',
      zone_id: Number(m.args.zone_id),
      zone_name: before?.zone_name || zone?.name || '',
      at: String(m.args.at ?? ''),
      mode: m.args.mode === 'full' ? 'full' : 'quick',
      score: template && template.id === m.args.template_version_id ? queuedScore(template, m.args.items) : null,
      status: 'queued',
      author_id: before?.author_id ?? null,
      submitted_at: null,
      review_comment: '',
      critical_failures: 0,
      revision: before?.revision ?? null,
    });
  }
  return [...byId.values()].sort((a, b) => b.at.localeCompare(a.at) || a.id.localeCompare(b.id));
});

export interface ScoredItem {
  item_id: number;
  label_zh: string;
  label_en: string;
  points_deducted: number;
  reason: string;
  note: string;
  photos: string[];
  finding_id: string | null; // a deduction's finding: the vendor's rectification
  due_at: string | null;
  rectified_at: string | null; // set by inspections.verify (the re-inspection)
  after_photos: string[];
  after_note: string;
}

const strs = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : []);
const strOrNull = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/** An inspection's scored items as pulled. */
export function itemsOfInspection(id: string): ScoredItem[] {
  return itemRows.value
    .filter((r) => r.fields.inspection_id === id)
    .map((r) => {
      const f = r.fields;
      return {
        item_id: Number(f.item_id),
        label_zh: String(f.label_zh ?? ''),
        label_en: String(f.label_en ?? ''),
        points_deducted: Number(f.points_deducted ?? 0),
        reason: String(f.reason ?? ''),
        note: String(f.note ?? ''),
        photos: strs(f.photos),
        finding_id: strOrNull(f.finding_id),
        due_at: strOrNull(f.due_at),
        rectified_at: strOrNull(f.rectified_at),
        after_photos: strs(f.after_photos),
        after_note: String(f.after_note ?? ''),
      };
    })
    .sort((a, b) => a.item_id - b.item_id);
}

// ---- the write ------------------------------------------------------------------

export interface Draft {
  site_id: number;
  vendor: Vendor;
  zone: Zone;
  template: TemplateVersion;
  mode: Mode;
  entries: ReadonlyMap<number, ItemEntry>;
  at: Date;
}

/** The intent's args (InspectionSubmit on the server). */
export function submitArgs(id: string, d: Draft): Args {
  const items = itemsToSend(itemsFor(d.template, d.zone.kind), d.entries, d.mode).map(({ item, entry }) => ({
    item_id: item.id,
    points_deducted: entry.points,
    reason: entry.points ? entry.reason.trim() : '',
    note: entry.note.trim(),
    photos: entry.photos,
  }));
  return {
    id,
    site_id: d.site_id,
    vendor_id: d.vendor.id,
    zone_id: d.zone.id,
    template_version_id: d.template.id,
    at: d.at.toISOString(),
    mode: d.mode,
    items,
  };
}

/**
 * Submit: one outbox intent with the photos it names; returns the inspection's id. A
 * returned inspection is sent again with its own id (`again`): the server replaces its items.
 */
export async function submitInspection(d: Draft, photos: NewPhoto[], again?: string): Promise<string> {
  const id = again ?? uuid();
  const args = submitArgs(id, d);
  const sent = new Set((args.items as { photos: string[] }[]).flatMap((i) => i.photos));
  await mutate(
    { name: 'inspections.submit', args, collection: 'inspections', record_id: id },
    { photos: photos.filter((p) => sent.has(p.hash)) },
  );
  return id;
}

/** The entries a returned inspection was scored with, to correct and send again. */
export function entriesOf(items: readonly ScoredItem[]): Map<number, ItemEntry> {
  return new Map(items.map((x) => [x.item_id, { points: x.points_deducted as Deduction, reason: x.reason, note: x.note, photos: x.photos }]));
}

/** A verify queued on this phone for the item (shown as waiting until the server's answer). */
export function verifyQueued(inspectionId: string, itemId: number): boolean {
  return (localSnapshot.value?.outbox ?? []).some((m) => m.name === 'inspections.verify' && m.state !== 'acked' && m.record_id === inspectionId && m.args.item_id === itemId);
}

/** The re-inspection found a deduction rectified: inspections.verify with the after-photos. */
export async function verifyRectification(inspectionId: string, itemId: number, note: string, photos: NewPhoto[], at: Date): Promise<void> {
  const args = { id: inspectionId, item_id: itemId, at: at.toISOString(), photos: photos.map((p) => p.hash), note: note.trim() };
  await mutate({ name: 'inspections.verify', args, collection: 'inspections', record_id: inspectionId }, { photos });
}
