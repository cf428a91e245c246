/**
 * The parking shift as this device shows it, and the arguments of every intent it sends
 * (parking contract: /work/briefs/parking-contract.md, server/parking/handlers.py). Pure: no
 * I/O, so the rules (money in fen, receipt numbers, a variance needs its reason) are tested
 * without a database. Money is integer fen everywhere; yuan exist only as text on screen.
 */
import { isObj, num, str, strOrNull, strs } from '../app/fields';
import { overlay, type OutboxLike, type ServerLike } from '../sync/overlay';
import type { Args } from '../sync/wire';
import { quote, type Fee, type TariffRules, type VehicleClass } from './tariff';

export const OPEN = 'parking_shifts.open';
export const CLOSE = 'parking_shifts.close';
export const CONFIRM_HANDOVER = 'parking_shifts.confirm_handover';
export const RECORD = 'parking_transactions.record';
export const VOID = 'parking_transactions.void';
export const EVENT = 'parking_events.record';

/** All 31 provinces; the ones a booth in the east sees most come first. */
export const PROVINCES = [
  '京', '沪', '粤', '苏', '浙', '津', '渝', '冀', '豫', '云', '辽', '黑', '湘', '皖', '鲁', '新',
  '赣', '鄂', '桂', '甘', '晋', '蒙', '陕', '吉', '闽', '贵', '青', '藏', '川', '宁', '琼',
] as const;

export const METHODS = ['cash', 'wechat', 'alipay', 'card'] as const;
export type Method = (typeof METHODS)[number];
export const EVENT_KINDS = ['barrier_fault', 'lost_card', 'dispute', 'drive_off', 'system_fault'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

// ---- money ---------------------------------------------------------------------

/** Yuan typed by a person ("12", "12.5", "12.50") as fen; null for anything else. No float maths. */
export function parseYuan(text: string): number | null {
  const m = /^\s*(\d{1,7})(?:\.(\d{0,2}))?\s*$/.exec(text);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/** Fen as yuan text: 1250 → "12.50", -300 → "-3.00". */
export function yuanText(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const a = Math.abs(fen);
  return `${sign}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
}

/** Counts by denomination ({"<fen>": n}) as a total in fen; a count that is not a whole number ≥ 0 is left out. */
export function countsTotal(counts: Readonly<Record<string, number>>): number {
  let sum = 0;
  for (const [fen, n] of Object.entries(counts)) {
    const f = Number(fen);
    if (Number.isSafeInteger(f) && f > 0 && Number.isSafeInteger(n) && n > 0) sum += f * n;
  }
  return sum;
}

/** Only the denominations counted (n > 0), keys as the fen text the contract names. */
export function cleanCounts(counts: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [fen, n] of Object.entries(counts)) if (Number.isSafeInteger(n) && n > 0) out[String(Number(fen))] = n;
  return out;
}

// ---- receipt numbers -----------------------------------------------------------

/** `{prefix}-{seq:06d}`: the prefix the server gave this install, the device's own sequence. */
export function receiptNo(prefix: string, seq: number): string {
  return `${prefix}-${String(seq).padStart(6, '0')}`;
}

// ---- master data (GET /api/sites/{id}/parking/setup, cached) -------------------

export interface Gate {
  id: number;
  name: string;
  active: boolean;
}
export interface TariffVersion {
  id: number;
  vehicle_class: VehicleClass;
  version: number;
  effective_from: string;
  rules: TariffRules;
}
export interface Reason {
  code: string;
  name_zh: string;
  name_en: string;
  approver_role: string;
  active: boolean;
}
export interface Denomination {
  kind: 'note' | 'coin';
  fen: number;
}
export interface Setup {
  gates: Gate[];
  tariffs: TariffVersion[];
  exemption_reasons: Reason[];
  denominations: Denomination[];
  cashiers: { id: number; name: string }[];
  timezone: string | undefined;
}

const list = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter(isObj) : []);

/** The setup answer, checked field by field (the app never trusts a shape blindly). */
export function parseSetup(v: unknown): Setup | null {
  if (!isObj(v)) return null;
  return {
    gates: list(v.gates).map((g) => ({ id: num(g.id) ?? 0, name: str(g.name), active: g.active !== false })),
    tariffs: list(v.tariffs)
      .filter((x) => isObj(x.rules) && (x.vehicle_class === 'small' || x.vehicle_class === 'large'))
      .map((x) => ({
        id: num(x.id) ?? 0,
        vehicle_class: x.vehicle_class as VehicleClass,
        version: num(x.version) ?? 0,
        effective_from: str(x.effective_from),
        rules: x.rules as unknown as TariffRules,
      })),
    exemption_reasons: list(v.exemption_reasons).map((r) => ({
      code: str(r.code),
      name_zh: str(r.name_zh),
      name_en: str(r.name_en),
      approver_role: str(r.approver_role),
      active: r.active !== false,
    })),
    denominations: list(v.denominations)
      .filter((d) => Number.isSafeInteger(d.fen) && (d.fen as number) > 0)
      .map((d) => ({ kind: d.kind === 'coin' ? 'coin' : 'note', fen: d.fen as number })),
    cashiers: list(v.cashiers).map((c) => ({ id: num(c.id) ?? 0, name: str(c.name) })),
    timezone: typeof v.timezone === 'string' && v.timezone ? v.timezone : undefined,
  };
}

/** The tariff version of a class in force at the entry (the newest that took effect by then). */
export function tariffAt(setup: Setup, vehicleClass: VehicleClass, entry: string): TariffVersion | null {
  const at = Date.parse(entry);
  let best: TariffVersion | null = null;
  for (const t of setup.tariffs) {
    if (t.vehicle_class !== vehicleClass || Date.parse(t.effective_from) > at) continue;
    if (!best || Date.parse(t.effective_from) > Date.parse(best.effective_from) || (t.effective_from === best.effective_from && t.version > best.version)) best = t;
  }
  return best;
}

/** The fee of a stay by the cached tariff, or why there is none. */
export function feeFor(
  setup: Setup | null,
  stay: { vehicle_class: VehicleClass; entry_at: string; exit_at: string; lost_ticket: boolean },
): { fee: Fee; rules: TariffRules } | { error: 'tariff_missing' | 'exit_before_entry' | 'no_setup' } {
  if (!setup) return { error: 'no_setup' };
  const tariff = tariffAt(setup, stay.vehicle_class, stay.entry_at);
  if (!tariff) return { error: 'tariff_missing' };
  try {
    return { fee: quote(tariff.rules, stay.entry_at, stay.exit_at, { lostTicket: stay.lost_ticket, zone: setup.timezone }), rules: tariff.rules };
  } catch {
    return { error: 'exit_before_entry' };
  }
}

// ---- times -------------------------------------------------------------------

/** An instant as ISO 8601 with the device's own offset ("2026-12-06T20:15:00+08:00"). */
export function localIso(ms: number): string {
  const d = new Date(ms);
  const off = -d.getTimezoneOffset();
  const p = (n: number) => String(Math.abs(n)).padStart(2, '0');
  const local = new Date(ms + off * 60_000).toISOString().slice(0, 19);
  return `${local}${off < 0 ? '-' : '+'}${p(Math.trunc(off / 60))}:${p(off % 60)}`;
}

/** The quick entry times of the booth: minutes ago, or today at 8:00 (device time). */
export const QUICK_ENTRIES = [15, 30, 60, 120, 180, 'morning'] as const;
export type QuickEntry = (typeof QUICK_ENTRIES)[number];

export function quickEntryAt(q: QuickEntry, now: number): number {
  if (q !== 'morning') return Math.floor(now / 1000) * 1000 - q * 60_000;
  const d = new Date(now);
  d.setHours(8, 0, 0, 0);
  return d.getTime();
}

// ---- intents -------------------------------------------------------------------

export interface FeeInput {
  id: string;
  shift_id: string;
  receipt_no: string;
  plate: string;
  vehicle_class: VehicleClass;
  entry_at: string;
  exit_at: string;
  lost_ticket: boolean;
  fee_fen: number;
  amount_fen: number;
  method: Method;
  variance_reason: string;
}

/** A refused input, by the field it is about (shown next to that field). */
export type Invalid = { field: string; code: string };

/** A fee's args, or why not: an amount that is not whole fen ≥ 0, or differs from the fee without a reason. */
export function feeArgs(i: FeeInput): { args: Args } | { invalid: Invalid } {
  if (!Number.isSafeInteger(i.amount_fen) || i.amount_fen < 0) return { invalid: { field: 'amount_fen', code: 'amount_invalid' } };
  if (!Number.isSafeInteger(i.fee_fen) || i.fee_fen < 0) return { invalid: { field: 'fee_fen', code: 'amount_invalid' } };
  if (i.plate.trim().length < 2) return { invalid: { field: 'plate', code: 'plate_required' } };
  const reason = i.variance_reason.trim();
  if (i.amount_fen !== i.fee_fen && reason === '') return { invalid: { field: 'variance_reason', code: 'variance_reason_required' } };
  return {
    args: {
      id: i.id,
      shift_id: i.shift_id,
      receipt_no: i.receipt_no,
      kind: 'fee',
      plate: i.plate.trim(),
      vehicle_class: i.vehicle_class,
      entry_at: i.entry_at,
      exit_at: i.exit_at,
      lost_ticket: i.lost_ticket,
      fee_fen: i.fee_fen,
      amount_fen: i.amount_fen,
      method: i.method,
      variance_reason: i.amount_fen === i.fee_fen ? null : reason,
      exemption_reason: null,
      approver_id: null,
    },
  };
}

export interface ExemptionInput extends Omit<FeeInput, 'amount_fen' | 'method' | 'variance_reason'> {
  reason: Reason;
  approver_id: number | null;
}

/** Whether a reason needs someone other than the cashier on duty to approve it. */
export function needsApprover(reason: Pick<Reason, 'approver_role'>): boolean {
  return reason.approver_role !== '' && reason.approver_role !== 'cashier';
}

export function exemptionArgs(i: ExemptionInput): { args: Args } | { invalid: Invalid } {
  if (i.plate.trim().length < 2) return { invalid: { field: 'plate', code: 'plate_required' } };
  if (needsApprover(i.reason) && i.approver_id === null) return { invalid: { field: 'approver_id', code: 'exemption_needs_approver' } };
  return {
    args: {
      id: i.id,
      shift_id: i.shift_id,
      receipt_no: i.receipt_no,
      kind: 'exemption',
      plate: i.plate.trim(),
      vehicle_class: i.vehicle_class,
      entry_at: i.entry_at,
      exit_at: i.exit_at,
      lost_ticket: i.lost_ticket,
      fee_fen: i.fee_fen,
      amount_fen: 0,
      method: null,
      variance_reason: null,
      exemption_reason: i.reason.code,
      approver_id: needsApprover(i.reason) ? i.approver_id : null,
    },
  };
}

// ---- the view ------------------------------------------------------------------

export interface Shift {
  id: string;
  site_id: number | null;
  gate_id: number | null;
  cashier_id: number | null;
  opened_at: string;
  float_counts: Record<string, number>;
  float_fen: number;
  cards_received: number;
  status: string;
  closed_at: string | null;
  count_counts: Record<string, number>;
  counted_fen: number | null;
  cards_on_hand: number | null;
  bag_no: string;
  next_cashier_id: number | null;
  expected_cash_fen: number | null;
  variance_fen: number | null;
  slip_no: string;
  handover_confirmed_at: string | null;
  /** Who confirmed the hand-over (before the close anyone may; the named next cashier replaces them). */
  handover_by: number | null;
  cards_received_next: number | null;
  /** The supervisor's decision on a shift closed with a variance (approved or returned). */
  reviewed_by: number | null;
  reviewed_at: string | null;
  review_comment: string;
  /** The server's revision (null: only on this device so far): what a review carries. */
  revision: number | null;
  /** The server's own copy of the shift (null: only on this device so far). */
  server: Record<string, unknown> | null;
  pending: number;
}

/** A colleague's shift this cashier may take over: open and not yet confirmed, or closed naming her. */
export function canTakeOver(s: Shift, me: number | null, siteIds: ReadonlySet<number>): boolean {
  if (s.cashier_id === me || s.site_id === null || !siteIds.has(s.site_id) || s.handover_by === me) return false;
  return (s.status === 'open' && s.handover_by === null) || (s.status === 'closed' && s.next_cashier_id === me);
}

export interface Txn {
  id: string;
  shift_id: string;
  receipt_no: string;
  kind: 'fee' | 'exemption' | 'void';
  plate: string;
  vehicle_class: string;
  entry_at: string;
  exit_at: string;
  lost_ticket: boolean;
  fee_fen: number;
  amount_fen: number;
  method: string | null;
  variance_reason: string | null;
  exemption_reason: string | null;
  voids: string | null;
  reason: string;
  pending: boolean;
}

const counts = (v: unknown): Record<string, number> => {
  const out: Record<string, number> = {};
  if (isObj(v)) for (const [k, n] of Object.entries(v)) if (typeof n === 'number' && Number.isSafeInteger(n)) out[k] = n;
  return out;
};

function toShift(id: string, f: Record<string, unknown>, server: ServerLike | undefined, pending: number): Shift {
  const fc = counts(f.float_counts);
  return {
    id,
    site_id: num(f.site_id),
    gate_id: num(f.gate_id),
    cashier_id: num(f.cashier_id),
    opened_at: str(f.opened_at),
    float_counts: fc,
    float_fen: num(f.float_fen) ?? countsTotal(fc),
    cards_received: num(f.cards_received) ?? 0,
    status: str(f.status) || 'open',
    closed_at: strOrNull(f.closed_at),
    count_counts: counts(f.count_counts),
    counted_fen: num(f.counted_fen),
    cards_on_hand: num(f.cards_on_hand),
    bag_no: str(f.bag_no),
    next_cashier_id: num(f.next_cashier_id),
    expected_cash_fen: num(f.expected_cash_fen),
    variance_fen: num(f.variance_fen),
    slip_no: str(f.slip_no),
    handover_confirmed_at: strOrNull(f.handover_confirmed_at),
    handover_by: num(f.handover_by),
    cards_received_next: num(f.handover_cards_received),
    reviewed_by: num(f.reviewed_by),
    reviewed_at: strOrNull(f.reviewed_at),
    review_comment: str(f.review_comment),
    revision: server ? server.revision : null,
    server: server ? server.fields : null,
    pending,
  };
}

/** A shift the supervisor sent back: its cashier counts the cash again (parking_shifts.close). */
export function mayRecount(s: Pick<Shift, 'status' | 'pending'>): boolean {
  return s.status === 'returned' && s.pending === 0;
}

/** Shifts: the server's, with this device's open/close/hand-over intents laid over them. */
export function shiftsView(server: readonly ServerLike[], outbox: readonly OutboxLike[], me: number | null): Shift[] {
  const byId = new Map(server.map((r) => [r.id, r]));
  const view = overlay('parking_shifts', server, outbox, {
    [OPEN]: (current, args) => current ?? { ...args, cashier_id: me, status: 'open', float_fen: countsTotal(counts(args.float_counts)) },
    [CLOSE]: (current, args) =>
      current && {
        ...current,
        ...args,
        // A returned shift counted again is closed again (the server keeps its slip number).
        status: current.status === 'open' || current.status === 'returned' ? 'closed' : current.status,
        counted_fen: countsTotal(counts(args.count_counts)),
      },
    [CONFIRM_HANDOVER]: (current, args) => ({ ...(current ?? {}), handover_confirmed_at: args.confirmed_at, handover_by: me }),
    // A supervisor's decision made offline shows at once on her device (review/ShiftReview.tsx).
    'review.approve': (current, args) => current && { ...current, status: 'approved', review_comment: args.comment },
    'review.reject': (current, args) => current && { ...current, status: 'returned', review_comment: args.comment },
  });
  return [...view.values()].map((r) => toShift(r.id, r.fields, byId.get(r.id), r.pending));
}

function toTxn(id: string, f: Record<string, unknown>, pending: boolean): Txn {
  const isVoid = typeof f.voids === 'string';
  return {
    id,
    shift_id: str(f.shift_id),
    receipt_no: str(f.receipt_no),
    kind: isVoid ? 'void' : f.kind === 'exemption' ? 'exemption' : 'fee',
    plate: str(f.plate),
    vehicle_class: str(f.vehicle_class),
    entry_at: str(f.entry_at),
    exit_at: str(f.exit_at),
    lost_ticket: f.lost_ticket === true,
    fee_fen: num(f.fee_fen) ?? 0,
    amount_fen: num(f.amount_fen) ?? 0,
    method: strOrNull(f.method),
    variance_reason: strOrNull(f.variance_reason),
    exemption_reason: strOrNull(f.exemption_reason),
    voids: strOrNull(f.voids),
    reason: str(f.reason),
    pending,
  };
}

/** A shift's ledger (fees, exemptions and voids), synced and not yet synced, in receipt order. */
export function ledger(shiftId: string, server: readonly ServerLike[], outbox: readonly OutboxLike[]): Txn[] {
  const out = new Map<string, Txn>();
  for (const r of server) if (r.fields.shift_id === shiftId) out.set(r.id, toTxn(r.id, r.fields, false));
  for (const row of outbox) {
    if ((row.name !== RECORD && row.name !== VOID) || row.args.shift_id !== shiftId || out.has(row.record_id)) continue;
    out.set(row.record_id, toTxn(row.record_id, row.args, row.state !== 'acked'));
  }
  return [...out.values()].sort((a, b) => a.receipt_no.localeCompare(b.receipt_no));
}

export interface Totals {
  /** Everything collected (voided ones left out), in fen. */
  total_fen: number;
  by_method: Record<Method, number>;
  fees: number;
  exemptions: number;
  voids: number;
  /** Fees whose amount differs from the computed fee (amount − fee each). */
  variances: { receipt_no: string; fen: number; reason: string }[];
}

export function totals(ledgerRows: readonly Txn[]): Totals {
  const voided = new Set(ledgerRows.filter((x) => x.kind === 'void').map((x) => x.voids));
  const out: Totals = { total_fen: 0, by_method: { cash: 0, wechat: 0, alipay: 0, card: 0 }, fees: 0, exemptions: 0, voids: voided.size, variances: [] };
  for (const x of ledgerRows) {
    if (x.kind === 'void' || voided.has(x.id)) continue;
    if (x.kind === 'exemption') {
      out.exemptions++;
      continue;
    }
    out.fees++;
    out.total_fen += x.amount_fen;
    if (x.method && x.method in out.by_method) out.by_method[x.method as Method] += x.amount_fen;
    if (x.amount_fen !== x.fee_fen) out.variances.push({ receipt_no: x.receipt_no, fen: x.amount_fen - x.fee_fen, reason: x.variance_reason ?? '' });
  }
  return out;
}

export interface ParkingEvent {
  id: string;
  shift_id: string;
  kind: string;
  at: string;
  note: string;
  photos: string[];
  pending: boolean;
}

export function eventsOf(shiftId: string, server: readonly ServerLike[], outbox: readonly OutboxLike[]): ParkingEvent[] {
  const out = new Map<string, ParkingEvent>();
  const add = (id: string, f: Record<string, unknown>, pending: boolean) =>
    out.set(id, { id, shift_id: str(f.shift_id), kind: str(f.kind), at: str(f.at), note: str(f.note), photos: strs(f.photos), pending });
  for (const r of server) if (r.fields.shift_id === shiftId) add(r.id, r.fields, false);
  for (const row of outbox) if (row.name === EVENT && row.args.shift_id === shiftId && !out.has(row.record_id)) add(row.record_id, row.args, row.state !== 'acked');
  return [...out.values()].sort((a, b) => a.at.localeCompare(b.at));
}
