// The parking store of issue 16: receipt numbers taken from the local store are never handed
// out twice (parallel taps, a reopened store, another device id), amounts are whole fen, and
// an amount other than the fee needs its reason.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { LocalDB, META, setLocalMeta } from '../../src/db/local';
import type { Args } from '../../src/sync/wire';
import { NoPrefix, PREFIX_KEY, fetchPrefix, takeReceipt } from '../../src/parking/store';
import {
  canTakeOver,
  countsTotal,
  exemptionArgs,
  feeArgs,
  feeFor,
  ledger,
  parseSetup,
  parseYuan,
  receiptNo,
  shiftsView,
  totals,
  yuanText,
  type FeeInput,
} from '../../src/parking/shift';

let n = 0;
async function store(prefix: string | null = 'A07', device = 'dev-1'): Promise<LocalDB> {
  const db = new LocalDB(`fieldkeep-parking-${++n}`);
  await setLocalMeta(db, META.deviceId, device);
  if (prefix) await setLocalMeta(db, PREFIX_KEY, { device_id: device, prefix });
  return db;
}

describe('receipt numbers', () => {
  it('are the prefix and a six-digit sequence, one after another', async () => {
    const db = await store();
    expect(await takeReceipt(db)).toBe('A07-000001');
    expect(await takeReceipt(db)).toBe('A07-000002');
    expect(receiptNo('B1', 123)).toBe('B1-000123');
  });

  it('are never the same for taps at once, nor after the store is opened again', async () => {
    const db = await store();
    const many = await Promise.all(Array.from({ length: 20 }, () => takeReceipt(db)));
    expect(new Set(many).size).toBe(20);
    const name = db.name;
    db.close();
    const again = new LocalDB(name);
    const next = await takeReceipt(again);
    expect(many).not.toContain(next);
    expect(next).toBe('A07-000021');
  });

  it('are not taken without a prefix, nor with a prefix issued to another device id', async () => {
    await expect(takeReceipt(await store(null))).rejects.toBeInstanceOf(NoPrefix);
    const db = await store('A07', 'dev-1');
    await setLocalMeta(db, META.deviceId, 'dev-2'); // the install's store was made anew
    await expect(takeReceipt(db)).rejects.toBeInstanceOf(NoPrefix);
  });

  it('ask the server for the prefix once per device id and keep it', async () => {
    const db = await store(null, 'dev-9');
    const asked: unknown[] = [];
    const post = async (path: string, body: unknown) => {
      asked.push([path, body]);
      return { prefix: 'C03' };
    };
    expect(await fetchPrefix(db, post)).toBe('C03');
    expect(await fetchPrefix(db, post)).toBe('C03');
    expect(asked).toEqual([['/api/parking/receipt-prefix', { device_id: 'dev-9' }]]);
    expect(await takeReceipt(db)).toBe('C03-000001');
  });
});

const base: FeeInput = {
  id: 't1',
  shift_id: 's1',
  receipt_no: 'A07-000001',
  plate: '浙A12345',
  vehicle_class: 'small',
  entry_at: '2026-12-06T08:00:00+08:00',
  exit_at: '2026-12-06T11:00:00+08:00',
  lost_ticket: false,
  fee_fen: 700,
  amount_fen: 700,
  method: 'cash',
  variance_reason: '',
};

describe('amounts', () => {
  it('are read from yuan as whole fen, without floating point', () => {
    expect(parseYuan('12')).toBe(1200);
    expect(parseYuan('12.5')).toBe(1250);
    expect(parseYuan('0.29')).toBe(29);
    expect(parseYuan('19.99')).toBe(1999);
    expect([parseYuan('1.234'), parseYuan('-1'), parseYuan('abc'), parseYuan('')]).toEqual([null, null, null, null]);
    expect(yuanText(1999)).toBe('19.99');
    expect(yuanText(-300)).toBe('-3.00');
    expect(countsTotal({ '10000': 2, '50': 3, '10': 1 })).toBe(20160);
  });

  it('a fee collected as computed needs no reason; the args carry integer fen', () => {
    const made = feeArgs(base);
    expect('args' in made && made.args).toMatchObject({ kind: 'fee', fee_fen: 700, amount_fen: 700, method: 'cash', variance_reason: null });
  });

  it('an amount other than the fee is refused without a reason, and kept with one', () => {
    expect(feeArgs({ ...base, amount_fen: 500 })).toEqual({ invalid: { field: 'variance_reason', code: 'variance_reason_required' } });
    expect(feeArgs({ ...base, amount_fen: 500, variance_reason: '   ' })).toEqual({ invalid: { field: 'variance_reason', code: 'variance_reason_required' } });
    const made = feeArgs({ ...base, amount_fen: 500, variance_reason: '车主只有 5 元' });
    expect('args' in made && made.args).toMatchObject({ amount_fen: 500, fee_fen: 700, variance_reason: '车主只有 5 元' });
  });

  it('a fractional or negative amount is refused', () => {
    expect(feeArgs({ ...base, amount_fen: 12.5 })).toEqual({ invalid: { field: 'amount_fen', code: 'amount_invalid' } });
    expect(feeArgs({ ...base, amount_fen: -1 })).toEqual({ invalid: { field: 'amount_fen', code: 'amount_invalid' } });
  });

  it('an exemption collects nothing and names its approver when the reason needs one', () => {
    const visitor = { code: 'visitor', name_zh: '业主访客', name_en: 'Visitor', approver_role: 'supervisor', active: true };
    const police = { ...visitor, code: 'police', approver_role: 'cashier' };
    const { amount_fen: _a, method: _m, variance_reason: _v, ...rest } = base;
    expect(exemptionArgs({ ...rest, reason: visitor, approver_id: null })).toEqual({ invalid: { field: 'approver_id', code: 'exemption_needs_approver' } });
    const made = exemptionArgs({ ...rest, reason: visitor, approver_id: 5 });
    expect('args' in made && made.args).toMatchObject({ kind: 'exemption', amount_fen: 0, method: null, exemption_reason: 'visitor', approver_id: 5 });
    const free = exemptionArgs({ ...rest, reason: police, approver_id: 5 });
    expect('args' in free && free.args).toMatchObject({ exemption_reason: 'police', approver_id: null });
  });
});

describe('the shift as this device shows it', () => {
  const setup = parseSetup({
    gates: [{ id: 1, name: '东门', active: true }],
    tariffs: [
      {
        id: 1,
        vehicle_class: 'small',
        version: 1,
        effective_from: '2020-01-01T00:00:00+08:00',
        rules: { free_minutes: 30, first_period_minutes: 120, first_period_fen: 500, unit_minutes: 60, unit_fen: 200, cap_fen: 2000, cap_per: '24h', lost_ticket_fen: 1000 },
      },
    ],
    exemption_reasons: [],
    denominations: [{ kind: 'note', fen: 10000 }],
    cashiers: [],
  });

  it('prices a stay offline from the cached setup, or says why not', () => {
    const stay = { vehicle_class: 'small' as const, entry_at: base.entry_at, exit_at: base.exit_at, lost_ticket: false };
    const priced = feeFor(setup, stay);
    expect('fee' in priced && priced.fee.fee_fen).toBe(700);
    expect(feeFor(setup, { ...stay, vehicle_class: 'large' })).toEqual({ error: 'tariff_missing' });
    expect(feeFor(setup, { ...stay, entry_at: '2019-06-01T08:00:00+08:00' })).toEqual({ error: 'tariff_missing' });
    expect(feeFor(null, stay)).toEqual({ error: 'no_setup' });
  });

  it('lays open and close over the server state, and totals leave voided fees out', () => {
    const outbox = [
      { id: 'm1', seq: 1, name: 'parking_shifts.open', args: { id: 's1', site_id: 1, gate_id: 1, opened_at: 'x', float_counts: { '10000': 2 }, cards_received: 50 }, state: 'pending', collection: 'parking_shifts', record_id: 's1', created_at: 1 },
      { id: 'm2', seq: 2, name: 'parking_transactions.record', args: (feeArgs(base) as { args: Args }).args, state: 'pending', collection: 'parking_transactions', record_id: 't1', created_at: 2 },
      { id: 'm3', seq: 3, name: 'parking_transactions.record', args: (feeArgs({ ...base, id: 't2', receipt_no: 'A07-000002', method: 'wechat', amount_fen: 800, variance_reason: '多付' }) as { args: Args }).args, state: 'pending', collection: 'parking_transactions', record_id: 't2', created_at: 3 },
      { id: 'm4', seq: 4, name: 'parking_transactions.void', args: { id: 'v1', shift_id: 's1', receipt_no: 'A07-000003', voids: 't1', reason: '录错' }, state: 'pending', collection: 'parking_transactions', record_id: 'v1', created_at: 4 },
      { id: 'm5', seq: 5, name: 'parking_shifts.close', args: { id: 's1', closed_at: 'y', count_counts: { '10000': 2 }, cards_on_hand: 49, bag_no: 'B-1' }, state: 'pending', collection: 'parking_shifts', record_id: 's1', created_at: 5 },
    ];
    const [shift] = shiftsView([], outbox, 7);
    expect(shift).toMatchObject({ id: 's1', cashier_id: 7, status: 'closed', float_fen: 20000, counted_fen: 20000, expected_cash_fen: null, pending: 2, server: null });
    const rows = ledger('s1', [], outbox);
    expect(rows.map((r) => [r.receipt_no, r.kind])).toEqual([
      ['A07-000001', 'fee'],
      ['A07-000002', 'fee'],
      ['A07-000003', 'void'],
    ]);
    const tot = totals(rows);
    expect(tot).toMatchObject({ total_fen: 800, fees: 1, voids: 1, by_method: { cash: 0, wechat: 800, alipay: 0, card: 0 } });
    expect(tot.variances).toEqual([{ receipt_no: 'A07-000002', fen: 100, reason: '多付' }]);
  });

  it('a shift sent back is counted again: the recount closes it again on this device', () => {
    const server = [{ id: 's2', revision: 9, fields: { cashier_id: 7, site_id: 1, status: 'returned', expected_cash_fen: 9400, counted_fen: 9300 } }];
    const close = { id: 'm9', seq: 9, name: 'parking_shifts.close', args: { id: 's2', closed_at: 'z', count_counts: { '100': 94 }, cards_on_hand: 1, bag_no: 'B-2' }, state: 'pending', collection: 'parking_shifts', record_id: 's2', created_at: 9 };
    expect(shiftsView(server, [], 7)[0]!.status).toBe('returned');
    expect(shiftsView(server, [close], 7)[0]).toMatchObject({ status: 'closed', counted_fen: 9400, pending: 1 });
  });

  it('offers a colleague\'s shift to take over while open, or once closed naming me, until I confirmed', () => {
    const row = (fields: Record<string, unknown>) => shiftsView([{ id: 's3', revision: 1, fields: { cashier_id: 7, site_id: 1, ...fields } }], [], 8)[0]!;
    const sites = new Set([1]);
    expect(canTakeOver(row({ status: 'open' }), 8, sites)).toBe(true);
    expect(canTakeOver(row({ status: 'open' }), 7, sites)).toBe(false); // her own
    expect(canTakeOver(row({ status: 'open' }), 8, new Set([2]))).toBe(false);
    expect(canTakeOver(row({ status: 'open', handover_by: 9 }), 8, sites)).toBe(false);
    expect(canTakeOver(row({ status: 'closed', next_cashier_id: 9 }), 8, sites)).toBe(false);
    // Named at the close: her confirmation replaces an early one by someone else.
    expect(canTakeOver(row({ status: 'closed', next_cashier_id: 8, handover_by: 9 }), 8, sites)).toBe(true);
    expect(canTakeOver(row({ status: 'closed', next_cashier_id: 8, handover_by: 8 }), 8, sites)).toBe(false);
    const confirm = { id: 'm1', seq: 1, name: 'parking_shifts.confirm_handover', args: { id: 's3', confirmed_at: 'c', float_counts: {}, cards_received: 0 }, state: 'pending', collection: 'parking_shifts', record_id: 's3', created_at: 1 };
    const mine = shiftsView([{ id: 's3', revision: 1, fields: { cashier_id: 7, site_id: 1, status: 'open' } }], [confirm], 8)[0]!;
    expect(mine).toMatchObject({ handover_by: 8, handover_confirmed_at: 'c' });
    expect(canTakeOver(mine, 8, sites)).toBe(false);
  });
});
