// Key custody as this device predicts it (the server decides): refusals, the
// intents shown at once, the ledger with pending intents, overdue keys.
import { describe, expect, it } from 'vitest';
import { intentArgs, intentMutation, isOverdue, keysView, ledger, refusal, sortKeys, toKey, type Key } from '../../src/keys/key';
import type { ServerLike } from '../../src/sync/overlay';
import { row } from '../records';

describe('key custody predictions', () => {
  const today = '2025-06-15';
  const me = { id: 5, roles: ['patrol'] };
  const other = { id: 6, roles: ['patrol'] };
  const sup = { id: 9, roles: ['supervisor'] };
  const keyIn = { status: 'in', holder_id: null, handover_to: null, kind: 'vacant', authorization_until: null };

  it('predicts what the server would refuse', () => {
    expect(refusal(keyIn, 'checkout', me, today)).toBeNull();
    expect(refusal({ ...keyIn, status: 'out', holder_id: 6 }, 'checkout', me, today)).toBe('key_already_out');
    expect(refusal({ ...keyIn, kind: 'entrusted', authorization_until: '2025-06-14' }, 'checkout', me, today)).toBe('authorization_expired');
    expect(refusal({ ...keyIn, kind: 'entrusted', authorization_until: '2025-06-15' }, 'checkout', me, today)).toBeNull();
    expect(refusal({ ...keyIn, kind: 'entrusted', authorization_until: null }, 'checkout', me, today)).toBe('authorization_expired');
    expect(refusal(keyIn, 'checkin', me, today)).toBe('key_not_out');
    const out = { ...keyIn, status: 'out', holder_id: 5 };
    expect(refusal(out, 'checkin', me, today)).toBeNull();
    expect(refusal(out, 'checkin', other, today)).toBe('key_held_by_other');
    expect(refusal(out, 'checkin', sup, today)).toBeNull();
    expect(refusal(out, 'handover', other, today)).toBe('key_held_by_other');
    expect(refusal(out, 'handover', me, today)).toBeNull();
    expect(refusal({ ...out, handover_to: 6 }, 'receive', other, today)).toBeNull();
    expect(refusal({ ...out, handover_to: 6 }, 'receive', sup, today)).toBe('key_handover_to_other');
    expect(refusal({ ...keyIn, status: 'lost' }, 'checkout', me, today)).toBe('key_lost');
    expect(refusal({ ...keyIn, status: 'returned' }, 'checkin', sup, today)).toBe('key_returned');
    expect(refusal(out, 'return_to_owner', me, today)).toBe('invalid_args');
    expect(refusal(keyIn, 'checkout', { id: 1, roles: ['cashier'] }, today)).toBe('forbidden');
  });

  it('names the other person\'s custody step the way the server does', () => {
    const received = { ...keyIn, status: 'out', holder_id: 6, handed_by: 5 };
    expect(refusal(received, 'checkin', me, today)).toBe('key_handed_over');
    expect(refusal(received, 'lost', me, today)).toBe('key_handed_over');
    expect(refusal({ ...received, handed_by: 7 }, 'checkin', me, today)).toBe('key_held_by_other');
    expect(refusal({ ...received, handed_by: 7 }, 'handover', me, today)).toBe('key_held_by_other');
    const back = { ...keyIn, returned_by: 6 };
    expect(refusal(back, 'checkin', me, today)).toBe('key_checked_in_by_other');
    expect(refusal(back, 'handover', me, today)).toBe('key_checked_in_by_other');
    expect(refusal({ ...keyIn, returned_by: 5 }, 'checkin', me, today)).toBe('key_not_out');
    expect(refusal({ ...keyIn, status: 'out', holder_id: 6, handover_to: 7 }, 'receive', me, today)).toBe('key_handover_to_other');
  });

  it('shows checkout, handover, receive and checkin at once, and leaves a refused one as it was', () => {
    const server: ServerLike[] = [{ id: 'k1', revision: 1, fields: { site_id: 1, code: 'A-101', kind: 'vacant', status: 'in', tag_hash: 'ab12' } }];
    const checkout = row('keys.checkout', 'keys', 'k1', intentArgs('e1', 'k1', 'checkout', { purpose: 'patrol', tag: 'tok_abcdefgh' }));
    expect(checkout.args).toMatchObject({ purpose: 'patrol', tag: 'tok_abcdefgh' });
    let [k] = keysView(server, [checkout], me, today);
    expect(k).toMatchObject({ status: 'out', holder_id: 5, purpose: 'patrol', pending: 1 });
    const handover = row('keys.handover', 'keys', 'k1', intentArgs('e2', 'k1', 'handover', { to_user_id: 6 }));
    [k] = keysView(server, [checkout, handover], me, today);
    expect(k!.handover_to).toBe(6);
    const checkin = row('keys.checkin', 'keys', 'k1', intentArgs('e3', 'k1', 'checkin'));
    [k] = keysView(server, [checkout, checkin], me, today);
    expect(k).toMatchObject({ status: 'in', holder_id: null, pending: 2 });
    // Someone else has it: the checkout is shown as not (yet) taken.
    const taken: ServerLike[] = [{ id: 'k1', revision: 2, fields: { ...server[0]!.fields, status: 'out', holder_id: 6 } }];
    [k] = keysView(taken, [checkout], me, today);
    expect(k).toMatchObject({ status: 'out', holder_id: 6, pending: 1 });
    // The receiver's side.
    const handed: ServerLike[] = [{ id: 'k1', revision: 3, fields: { ...taken[0]!.fields, handover_to: 5 } }];
    const receive = row('keys.receive', 'keys', 'k1', intentArgs('e4', 'k1', 'receive'));
    [k] = keysView(handed, [receive], me, today);
    expect(k).toMatchObject({ holder_id: 5, handover_to: null });
  });

  it('a receipt scanned before the hand-over reached this phone waits, and the hand-over completes it', () => {
    // Zhang (6) holds the key; nothing of a hand-over has reached Li's phone (me, 5).
    const held: ServerLike[] = [{ id: 'k1', revision: 2, fields: { site_id: 1, code: 'A-101', kind: 'vacant', status: 'out', holder_id: 6, handover_to: null, tag_hash: 'ab12' } }];
    expect(refusal(toKey({ ...held[0]!, pending: 0 }), 'receive', me, today)).toBeNull();
    const receive = row('keys.receive', 'keys', 'k1', intentArgs('e4', 'k1', 'receive'));
    let [k] = keysView(held, [receive], me, today);
    // Custody stays with Zhang until his hand-over syncs.
    expect(k).toMatchObject({ status: 'out', holder_id: 6, receipt_by: 5, pending: 1 });
    // A third colleague may not receive while Li's receipt waits.
    expect(refusal(k!, 'receive', { id: 7, roles: ['patrol'] }, today)).toBe('key_receipt_by_other');
    // The holder's phone, once the waiting receipt is pulled: his hand-over to Li completes it at once.
    const waiting: ServerLike[] = [{ id: 'k1', revision: 3, fields: { ...held[0]!.fields, receipt_by: 5, receipt_event: 'e4' } }];
    const handover = row('keys.handover', 'keys', 'k1', intentArgs('e2', 'k1', 'handover', { to_user_id: 5 }));
    [k] = keysView(waiting, [handover], other, today);
    expect(k).toMatchObject({ holder_id: 5, handed_by: 6, handover_to: null, receipt_by: null });
    // The holder himself cannot receive his own key.
    expect(refusal(toKey({ ...held[0]!, pending: 0 }), 'receive', other, today)).toBe('handover_not_for_you');
  });

  it('orders the ledger by when each phone made the step, not when it reached the server', () => {
    const events: ServerLike[] = [
      { id: 'r', revision: 4, fields: { key_id: 'k1', kind: 'receive', by_id: 5, at: '2025-06-15T02:00:00Z', device_at: '2025-06-15T01:10:00Z', waiting: true } },
      { id: 'h', revision: 5, fields: { key_id: 'k1', kind: 'handover', by_id: 6, at: '2025-06-15T03:00:00Z', device_at: '2025-06-15T01:05:00Z', to_user_id: 5 } },
    ];
    expect(ledger('k1', events, [], 5).map((e) => [e.kind, e.device_at, e.waiting])).toEqual([
      ['handover', '2025-06-15T01:05:00Z', false],
      ['receive', '2025-06-15T01:10:00Z', true],
    ]);
  });

  it('lists the ledger with pending intents, and marks overdue keys', () => {
    const events: ServerLike[] = [{ id: 'e0', revision: 1, fields: { key_id: 'k1', kind: 'checkout', by_id: 6, at: '2025-06-14T01:00:00Z', purpose: 'repair' } }];
    const checkin = row('keys.checkin', 'keys', 'k1', intentArgs('e5', 'k1', 'checkin'));
    const list = ledger('k1', events, [checkin], 5);
    expect(list.map((e) => [e.id, e.kind, e.by_id, e.pending])).toEqual([
      ['e0', 'checkout', 6, false],
      ['e5', 'checkin', 5, true],
    ]);
    const now = Date.parse('2025-06-15T10:00:00Z');
    expect(isOverdue({ status: 'out', out_since: '2025-06-15T01:00:00Z' }, now)).toBe(true);
    expect(isOverdue({ status: 'out', out_since: '2025-06-15T03:00:00Z' }, now)).toBe(false);
    expect(isOverdue({ status: 'out', out_since: '2025-06-15T03:00:00Z' }, now, 6)).toBe(true);
    expect(isOverdue({ status: 'in', out_since: null }, now)).toBe(false);
    const keys = [
      toKey({ id: 'a', revision: 1, fields: { code: 'A', status: 'in' }, pending: 0 }),
      toKey({ id: 'b', revision: 1, fields: { code: 'B', status: 'out', out_since: '2025-06-15T09:00:00Z' }, pending: 0 }),
      toKey({ id: 'c', revision: 1, fields: { code: 'C', status: 'out', out_since: '2025-06-14T09:00:00Z' }, pending: 0 }),
    ];
    expect(sortKeys(keys, now).map((k: Key) => k.id)).toEqual(['c', 'b', 'a']);
  });
});

describe('custody intents as outbox mutations', () => {
  it('name the intent, carry the event id and the key, and are recorded on the key', () => {
    expect(intentMutation('e9', 'k1', 'checkout', { purpose: 'repair', expected_return: '2025-06-15T10:00:00Z' })).toEqual({
      name: 'keys.checkout',
      args: { id: 'e9', key_id: 'k1', purpose: 'repair', expected_return: '2025-06-15T10:00:00Z' },
      collection: 'keys',
      record_id: 'k1',
    });
    expect(intentMutation('e10', 'k1', 'handover', { to_user_id: 6 }).args).toEqual({ id: 'e10', key_id: 'k1', to_user_id: 6 });
  });
});
