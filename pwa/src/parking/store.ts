// The parking feature's data and every write it makes: shifts, the ledger and abnormal events
// as this device shows them (server state with the outbox laid over it), the site's parking
// setup cached for offline fees (the app/cache.ts pattern, under `parkingsetup:<site>`), the
// receipt prefix and sequence kept in the local store, and each write one outbox intent.
import { computed, signal } from '@preact/signals';
import { localSnapshot, me, mutate, onAfterSync } from '../app/data';
import { cached } from '../app/site';
import { user } from '../app/state';
import { getLocalMeta, localDb, META, setLocalMeta, watch, type LocalDB, type NewPhoto, type ServerRow } from '../db/local';
import { api } from '../sync/api';
import { uuid } from '../sync/hlc';
import type { Args } from '../sync/wire';
import {
  CLOSE,
  cleanCounts,
  CONFIRM_HANDOVER,
  countsTotal,
  eventsOf,
  EVENT,
  exemptionArgs,
  feeArgs,
  ledger,
  localIso,
  OPEN,
  parseSetup,
  receiptNo,
  RECORD,
  shiftsView,
  VOID,
  type EventKind,
  type ExemptionInput,
  type FeeInput,
  type Invalid,
  type Setup,
} from './shift';

export const SETUP_PREFIX = 'parkingsetup:';
/** `{device_id, prefix}`: the prefix the server issued to this install's device id. */
export const PREFIX_KEY = 'parking_prefix';
/** The next receipt sequence number of this install (never goes back). */
export const SEQ_KEY = 'parking_receipt_seq';

// ---- the receipt number (tested with a real IndexedDB) ---------------------------

/** This install's receipt prefix, if the server has issued one for its device id. */
export async function storedPrefix(db: LocalDB): Promise<string | null> {
  const [p, device] = await Promise.all([getLocalMeta<unknown>(db, PREFIX_KEY), getLocalMeta<unknown>(db, META.deviceId)]);
  if (typeof p !== 'object' || p === null) return null;
  const o = p as { device_id?: unknown; prefix?: unknown };
  return typeof o.prefix === 'string' && o.prefix !== '' && o.device_id === device ? o.prefix : null;
}

export class NoPrefix extends Error {
  readonly code = 'no_receipt_prefix';
}

/**
 * The next receipt number: read and advanced in one transaction, so two taps (or two tabs)
 * never get the same one, and a number taken is never handed out again (a failed save leaves
 * a gap, never a repeat).
 */
export async function takeReceipt(db: LocalDB): Promise<string> {
  return db.transaction('rw', db.meta, async () => {
    const prefix = await storedPrefix(db);
    if (!prefix) throw new NoPrefix();
    const raw = await getLocalMeta<unknown>(db, SEQ_KEY);
    const seq = typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 1 ? raw : 1;
    await setLocalMeta(db, SEQ_KEY, seq + 1);
    return receiptNo(prefix, seq);
  });
}

/** Ask the server for this install's prefix once (idempotent per device id); kept locally. */
export async function fetchPrefix(db: LocalDB, post: (path: string, body: unknown) => Promise<unknown>): Promise<string | null> {
  const have = await storedPrefix(db);
  if (have) return have;
  const device = await getLocalMeta<unknown>(db, META.deviceId);
  if (typeof device !== 'string' || !device) return null;
  const res = await post('/api/parking/receipt-prefix', { device_id: device });
  const prefix = typeof res === 'object' && res !== null ? (res as { prefix?: unknown }).prefix : null;
  if (typeof prefix !== 'string' || !prefix) return null;
  await setLocalMeta(db, PREFIX_KEY, { device_id: device, prefix });
  return prefix;
}

// ---- what the screens read -------------------------------------------------------

interface Rows {
  /** Whose store these came from: another user's rows are never shown (sign-out, sign-in). */
  user: number | null;
  shifts: ServerRow[];
  txns: ServerRow[];
  events: ServerRow[];
}
const EMPTY: Rows = { user: null, shifts: [], txns: [], events: [] };
const watched = signal<Rows>(EMPTY);
const rows = computed(() => (watched.value.user === me.value ? watched.value : EMPTY));
let watching: LocalDB | null = null;
let unwatch: (() => void) | null = null;

/** Watch the parking tables of the signed-in user's store (the shared snapshot leaves them out). */
export function watchParking(): void {
  const db = localDb();
  if (!db || db === watching) return;
  unwatch?.();
  watching = db;
  const user = me.value;
  unwatch = watch(
    async () => {
      const [shifts, txns, events] = await Promise.all([db.parking_shifts.toArray(), db.parking_transactions.toArray(), db.parking_events.toArray()]);
      return { user, shifts, txns, events };
    },
    (r) => {
      if (watching === db) watched.value = r;
    },
  );
}

const outbox = computed(() => localSnapshot.value?.outbox ?? []);

export const shifts = computed(() => shiftsView(rows.value.shifts, outbox.value, me.value));
/** My open shift (one at a time on this device). */
export const myOpenShift = computed(() => shifts.value.find((s) => s.cashier_id === me.value && s.status === 'open') ?? null);

/** My shift a supervisor sent back: its cash is counted again. */
export const myReturnedShift = computed(() => shifts.value.find((s) => s.cashier_id === me.value && s.status === 'returned') ?? null);

export function shiftLedger(shiftId: string) {
  return ledger(shiftId, rows.value.txns, outbox.value);
}
export function shiftEvents(shiftId: string) {
  return eventsOf(shiftId, rows.value.events, outbox.value);
}

/** The site's parking setup as last fetched, or null. */
export function setupOf(siteId: string): { at: number; setup: Setup } | null {
  const c = cached<unknown>(`${SETUP_PREFIX}${siteId}`);
  const setup = c ? parseSetup(c.data) : null;
  return c && setup ? { at: c.at, setup } : null;
}

export const prefix = computed(() => {
  const s = localSnapshot.value;
  const p = s?.meta[PREFIX_KEY] as { device_id?: unknown; prefix?: unknown } | undefined;
  return p && typeof p.prefix === 'string' && p.device_id === s?.meta[META.deviceId] ? p.prefix : null;
});
export const nextSeq = computed(() => {
  const v = localSnapshot.value?.meta[SEQ_KEY];
  return typeof v === 'number' ? v : 1;
});

// ---- refresh (online; best effort) ---------------------------------------------

export async function refreshSetup(siteId: string): Promise<boolean> {
  const db = localDb();
  if (!db) return false;
  try {
    const data: unknown = await api.get(`/api/sites/${encodeURIComponent(siteId)}/parking/setup`);
    if (localDb() !== db) return false;
    await setLocalMeta(db, `${SETUP_PREFIX}${siteId}`, { at: Date.now(), data });
    return true;
  } catch {
    return false; // offline or not allowed: keep what is cached
  }
}

/** Everything the booth needs offline: each site's setup and this install's prefix. */
export async function refreshParking(siteIds: string[] = (user.value?.sites ?? []).map((s) => s.id)): Promise<void> {
  const db = localDb();
  await Promise.all(siteIds.map(refreshSetup));
  if (db) await fetchPrefix(db, (p, b) => api.post(p, b)).catch(() => null);
}

// Registered when the feature loads (not in the first load): from then on every clean sync refreshes.
onAfterSync((ids) => (user.value?.roles.includes('cashier') ? refreshParking(ids) : Promise.resolve()));

// ---- writes: each one outbox intent ---------------------------------------------

export async function openShift(a: { site_id: number; gate_id: number; float_counts: Record<string, number>; cards_received: number }): Promise<string> {
  const id = uuid();
  const args: Args = { id, site_id: a.site_id, gate_id: a.gate_id, opened_at: localIso(Date.now()), float_counts: cleanCounts(a.float_counts), cards_received: a.cards_received };
  await mutate({ name: OPEN, args, collection: 'parking_shifts', record_id: id });
  return id;
}

type Saved = { receipt_no: string } | { invalid: Invalid };

async function record(build: (receipt: string) => { args: Args } | { invalid: Invalid }): Promise<Saved> {
  const db = localDb();
  if (!db) throw new Error('no local database');
  // Check before a number is taken, so a refused input burns none.
  const check = build('-');
  if ('invalid' in check) return check;
  const receipt_no = await takeReceipt(db);
  const made = build(receipt_no);
  if ('invalid' in made) return made;
  await mutate({ name: RECORD, args: made.args, collection: 'parking_transactions', record_id: String(made.args.id) });
  return { receipt_no };
}

export function recordFee(i: Omit<FeeInput, 'id' | 'receipt_no'>): Promise<Saved> {
  const id = uuid();
  return record((receipt_no) => feeArgs({ ...i, id, receipt_no }));
}

export function recordExemption(i: Omit<ExemptionInput, 'id' | 'receipt_no'>): Promise<Saved> {
  const id = uuid();
  return record((receipt_no) => exemptionArgs({ ...i, id, receipt_no }));
}

/** Void a transaction (append-only: the void is a new line with its own receipt number). */
export async function voidTransaction(shiftId: string, voids: string, reason: string): Promise<Saved> {
  if (reason.trim() === '') return { invalid: { field: 'reason', code: 'reason_required' } };
  const db = localDb();
  if (!db) throw new Error('no local database');
  const receipt_no = await takeReceipt(db);
  const id = uuid();
  await mutate({ name: VOID, args: { id, shift_id: shiftId, receipt_no, voids, reason: reason.trim() }, collection: 'parking_transactions', record_id: id });
  return { receipt_no };
}

export async function recordEvent(shiftId: string, kind: EventKind, note: string, photos: NewPhoto[]): Promise<void> {
  const id = uuid();
  const args: Args = { id, shift_id: shiftId, kind, at: localIso(Date.now()), note: note.trim(), photos: photos.map((p) => p.hash) };
  await mutate({ name: EVENT, args, collection: 'parking_events', record_id: id }, { photos });
}

export async function closeShift(
  shiftId: string,
  a: { count_counts: Record<string, number>; cards_on_hand: number; bag_no: string; next_cashier_id: number | null },
): Promise<void> {
  const args: Args = { id: shiftId, closed_at: localIso(Date.now()), count_counts: cleanCounts(a.count_counts), cards_on_hand: a.cards_on_hand, bag_no: a.bag_no.trim() };
  if (a.next_cashier_id !== null) args.next_cashier_id = a.next_cashier_id;
  await mutate({ name: CLOSE, args, collection: 'parking_shifts', record_id: shiftId });
}

export async function confirmHandover(shiftId: string, float_counts: Record<string, number>, cards_received: number): Promise<void> {
  const args: Args = { id: shiftId, confirmed_at: localIso(Date.now()), float_counts: cleanCounts(float_counts), cards_received };
  await mutate({ name: CONFIRM_HANDOVER, args, collection: 'parking_shifts', record_id: shiftId });
}

export { countsTotal };
