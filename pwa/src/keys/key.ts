// Key custody (钥匙管理): the keys collection, its ledger (key_events), how
// custody intents show locally before the server answers, and the rules the
// PWA predicts (the server decides: of two offline checkouts the first to
// reach it wins). Pure functions; the database is read elsewhere.
import { overlay, upsertApplier, type Applier, type OutboxLike, type ServerLike, type ViewRecord } from '../sync/overlay';
import type { NewMutation } from '../db/local';
import type { Args } from '../sync/wire';
import { iso, num, str, strOrNull, strs } from '../app/fields';

export const INTENTS = ['checkout', 'checkin', 'handover', 'receive', 'lost', 'return_to_owner'] as const;
export type Intent = (typeof INTENTS)[number];
export const PURPOSES = ['patrol', 'repair', 'viewing', 'owner_pickup'] as const;
export type Purpose = (typeof PURPOSES)[number];
export const KINDS = ['vacant', 'entrusted'] as const;
export const CUSTODY_ROLES: readonly string[] = ['patrol', 'supervisor', 'environment'];
/** Keys out longer than this are overdue, unless the site says otherwise. */
export const DEFAULT_OVERDUE_HOURS = 8;

export const UPSERT = 'keys.upsert';
export const intentName = (i: Intent) => `keys.${i}`;

export interface Key {
  id: string;
  site_id: number | null;
  unit_id: number | null;
  code: string;
  kind: string;
  label: string;
  storage_place: string;
  owner_name: string;
  owner_phone: string;
  authorized_people: string;
  authorization_until: string | null;
  authorization_photos: string[];
  note: string;
  /** SHA-256 of the tag's token (the token itself stays on the printed tag). */
  tag_hash: string | null;
  status: string;
  holder_id: number | null;
  out_since: string | null;
  expected_return: string | null;
  purpose: string | null;
  handover_to: number | null;
  /** Who handed it to the holder (set by a receipt), and who last checked it in. */
  handed_by: number | null;
  returned_by: number | null;
  /** A receipt scanned before the giver's hand-over reached the server: who, and the device's time. */
  receipt_by: number | null;
  receipt_at: string | null;
  created_at: string | null;
  revision: number | null;
  pending: number;
}

export interface KeyEvent {
  id: string;
  key_id: string;
  kind: string;
  by_id: number | null;
  at: string | null;
  purpose: string | null;
  expected_return: string | null;
  to_user_id: number | null;
  from_user_id: number | null;
  note: string;
  /** When the device made the step (the server's `at` is when it arrived). */
  device_at: string | null;
  /** A receipt that reached the server before the hand-over. */
  waiting: boolean;
  /** Only on this device so far (the intent is in the outbox). */
  pending: boolean;
}

export function toKey(r: ViewRecord): Key {
  const f = r.fields;
  return {
    id: r.id,
    site_id: num(f.site_id),
    unit_id: num(f.unit_id),
    code: str(f.code),
    kind: str(f.kind) || 'vacant',
    label: str(f.label),
    storage_place: str(f.storage_place),
    owner_name: str(f.owner_name),
    owner_phone: str(f.owner_phone),
    authorized_people: str(f.authorized_people),
    authorization_until: strOrNull(f.authorization_until),
    authorization_photos: strs(f.authorization_photos),
    note: str(f.note),
    tag_hash: strOrNull(f.tag_hash),
    status: str(f.status) || 'in',
    holder_id: num(f.holder_id),
    out_since: strOrNull(f.out_since),
    expected_return: strOrNull(f.expected_return),
    purpose: strOrNull(f.purpose),
    handover_to: num(f.handover_to),
    handed_by: num(f.handed_by),
    returned_by: num(f.returned_by),
    receipt_by: num(f.receipt_by),
    receipt_at: strOrNull(f.receipt_at),
    created_at: strOrNull(f.created_at),
    revision: r.revision,
    pending: r.pending,
  };
}

/** A key back in (or lost, or with its owner): no custody left, and who ended it (as the server's `_returned`). */
const returned = (by: number | null) => ({ status: 'in', holder_id: null, out_since: null, expected_return: null, purpose: null, handover_to: null, handed_by: null, returned_by: by, ...NO_RECEIPT });
const NO_RECEIPT = { receipt_by: null, receipt_event: null, receipt_at: null };

export interface Actor {
  id: number | null;
  roles: readonly string[];
}

type Custody = Pick<Key, 'status' | 'holder_id' | 'handover_to' | 'kind' | 'authorization_until'> &
  Partial<Pick<Key, 'handed_by' | 'returned_by' | 'receipt_by'>>;

/** The actor does not hold the key: the code that names who does (as the server says it), else `code`. */
function notHolder(key: Custody, actor: Actor, code: string): string {
  if (key.holder_id === null) return code;
  return actor.id !== null && key.handed_by === actor.id ? 'key_handed_over' : 'key_held_by_other';
}

/** The key is not out: said by name when someone else checked it in. */
function notOut(key: Custody, actor: Actor, code: string): string {
  const by = key.returned_by ?? null;
  return key.status === 'in' && by !== null && by !== actor.id ? 'key_checked_in_by_other' : code;
}

/** Why the server would refuse this intent on this key now (its refusal code), or null when it would take it. */
export function refusal(key: Custody, intent: Intent, actor: Actor, today: string): string | null {
  const sup = actor.roles.includes('supervisor');
  if (!actor.roles.some((r) => CUSTODY_ROLES.includes(r))) return 'forbidden';
  if (key.status === 'lost' && intent !== 'checkin') return 'key_lost';
  if (key.status === 'returned') return 'key_returned';
  const holder = actor.id !== null && key.holder_id === actor.id;
  switch (intent) {
    case 'checkout':
      if (key.status === 'out') return 'key_already_out';
      if (key.kind === 'entrusted' && !authorizationValid(key, today)) return 'authorization_expired';
      return null;
    case 'checkin':
      if (key.status !== 'out' && key.status !== 'lost') return notOut(key, actor, 'key_not_out');
      return holder || sup ? null : notHolder(key, actor, 'forbidden');
    case 'handover':
      if (key.status !== 'out') return notOut(key, actor, 'not_holder');
      return holder ? null : notHolder(key, actor, 'not_holder');
    case 'receive':
      if (key.status !== 'out') return notOut(key, actor, 'handover_not_for_you');
      if (actor.id !== null && key.handover_to === actor.id) return null;
      if (key.handover_to !== null) return 'key_handover_to_other';
      if (holder || actor.id === null) return 'handover_not_for_you';
      // Not (yet) handed over here: the hand-over may still be on the giver's offline phone,
      // so a receipt waits for it (as the server keeps it), unless another receipt waits.
      return key.receipt_by != null && key.receipt_by !== actor.id ? 'key_receipt_by_other' : null;
    case 'lost':
      return holder || sup ? null : notHolder(key, actor, 'forbidden');
    case 'return_to_owner':
      if (key.kind !== 'entrusted') return 'invalid_args';
      return holder || sup ? null : notHolder(key, actor, 'forbidden');
  }
}

/** A receipt now would wait for the giver's hand-over (none has reached this device). */
export function receiptWaits(key: Pick<Key, 'handover_to'>, actor: Actor): boolean {
  return actor.id === null || key.handover_to !== actor.id;
}

/** An entrusted key's authorisation holds today (a date "YYYY-MM-DD", inclusive). */
export function authorizationValid(key: Pick<Key, 'authorization_until'>, today: string): boolean {
  return key.authorization_until !== null && key.authorization_until >= today;
}

/** The custody a taken intent leaves (as the server's handler writes it). */
function custodyAfter(intent: Intent, current: Record<string, unknown>, args: Args, me: number | null, at: number): Record<string, unknown> {
  switch (intent) {
    case 'checkout':
      return {
        status: 'out',
        holder_id: me,
        out_since: iso(at),
        expected_return: typeof args.expected_return === 'string' ? args.expected_return : null,
        purpose: typeof args.purpose === 'string' ? args.purpose : null,
        handover_to: null,
        handed_by: null,
        returned_by: null,
        ...NO_RECEIPT,
      };
    case 'checkin':
      return returned(me);
    case 'handover': {
      const to = typeof args.to_user_id === 'number' ? args.to_user_id : null;
      // As the server: a receipt already waiting for this hand-over completes it.
      if (to !== null && current.receipt_by === to) return { holder_id: to, handover_to: null, handed_by: me, ...NO_RECEIPT };
      return { handover_to: to, ...NO_RECEIPT };
    }
    case 'receive':
      if (current.handover_to !== me) return { receipt_by: me, receipt_event: args.id ?? null, receipt_at: iso(at) };
      return { holder_id: me, handover_to: null, handed_by: current.holder_id ?? null, ...NO_RECEIPT };
    case 'lost':
      return { ...returned(me), status: 'lost' };
    case 'return_to_owner':
      return { ...returned(me), status: 'returned' };
  }
  return current;
}

/**
 * Keys mutations as this device shows them before the server answers: an
 * intent the server would take (predicted) changes the custody fields; one it
 * would refuse leaves the key as it is (and the refusal comes back as a notice).
 */
export function keyAppliers(actor: Actor, today: string): Record<string, Applier> {
  const out: Record<string, Applier> = {
    [UPSERT]: (current, args, row) => {
      const next = upsertApplier(new Set(['authorization_photos']))(current, args, row);
      if (!current && next) {
        next.status ??= 'in';
        next.holder_id ??= null;
        next.created_at ??= iso(row.created_at);
      }
      return next;
    },
  };
  for (const intent of INTENTS) {
    out[intentName(intent)] = (current, args, row) => {
      if (!current) return undefined;
      const k = toKey({ id: row.record_id, revision: null, fields: current, pending: 0 });
      if (refusal(k, intent, actor, today) !== null) return current;
      return { ...current, ...custodyAfter(intent, current, args, actor.id, row.created_at) };
    };
  }
  return out;
}

export function keysView(server: readonly ServerLike[], outbox: readonly OutboxLike[], actor: Actor, today: string): Key[] {
  return [...overlay('keys', server, outbox, keyAppliers(actor, today)).values()].map(toKey);
}

function toEvent(id: string, f: Record<string, unknown>, pending: boolean): KeyEvent {
  return {
    id,
    key_id: str(f.key_id),
    kind: str(f.kind),
    by_id: num(f.by_id),
    at: strOrNull(f.at),
    purpose: strOrNull(f.purpose),
    expected_return: strOrNull(f.expected_return),
    to_user_id: num(f.to_user_id),
    from_user_id: num(f.from_user_id),
    note: str(f.note),
    device_at: strOrNull(f.device_at),
    waiting: f.waiting === true,
    pending,
  };
}

/** One key's ledger: the synced events and this device's intents not yet synced, oldest first. */
export function ledger(keyId: string, server: readonly ServerLike[], outbox: readonly OutboxLike[], me: number | null): KeyEvent[] {
  const out = new Map<string, KeyEvent>();
  for (const e of server) if (e.fields.key_id === keyId) out.set(e.id, toEvent(e.id, e.fields, false));
  for (const row of outbox) {
    if (row.collection !== 'keys' || row.record_id !== keyId || !row.name.startsWith('keys.') || row.name === UPSERT) continue;
    const id = typeof row.args.id === 'string' ? row.args.id : row.id;
    if (out.has(id)) continue;
    out.set(id, toEvent(id, { ...row.args, kind: row.name.slice(5), by_id: me, at: iso(row.created_at), device_at: iso(row.created_at) }, true));
  }
  // In the order the steps were made (each phone's time): an offline hand-over and its
  // receipt reach the server in either order.
  const made = (e: KeyEvent) => e.device_at ?? e.at ?? '';
  return [...out.values()].sort((a, b) => made(a).localeCompare(made(b)) || a.id.localeCompare(b.id));
}

/** Out longer than the site's limit (hours). */
export function isOverdue(key: Pick<Key, 'status' | 'out_since'>, now: number, limitHours: number = DEFAULT_OVERDUE_HOURS): boolean {
  if (key.status !== 'out' || !key.out_since) return false;
  const t = Date.parse(key.out_since);
  return !Number.isNaN(t) && now - t > limitHours * 3_600_000;
}

/** What an intent takes besides the key: the purpose and return time of a checkout, the colleague of a handover. */
export interface IntentExtra {
  purpose?: Purpose;
  expected_return?: string | null;
  to_user_id?: number;
  note?: string;
  /** The token scanned from the key's tag: checkout and receipt need it. */
  tag?: string;
}

/** The intent's args: the event's own id, the key, and what the intent takes. */
export function intentArgs(eventId: string, keyId: string, intent: Intent, extra: IntentExtra = {}): Args {
  const args: Args = { id: eventId, key_id: keyId };
  if (intent === 'checkout') {
    args.purpose = extra.purpose ?? 'patrol';
    if (extra.expected_return) args.expected_return = extra.expected_return;
  }
  if (intent === 'handover' && extra.to_user_id !== undefined) args.to_user_id = extra.to_user_id;
  if ((intent === 'checkout' || intent === 'receive') && extra.tag) args.tag = extra.tag;
  if (extra.note) args.note = extra.note;
  return args;
}

/** The outbox mutation of a custody intent (collection `keys`, record = the key). */
export function intentMutation(eventId: string, keyId: string, intent: Intent, extra: IntentExtra = {}): NewMutation {
  return { name: intentName(intent), args: intentArgs(eventId, keyId, intent, extra), collection: 'keys', record_id: keyId };
}

/** Sorted for the list: keys out first (overdue first, longest out first), then by code. */
export function sortKeys(list: readonly Key[], now: number, limitHours: number = DEFAULT_OVERDUE_HOURS): Key[] {
  const rank = (k: Key) => (isOverdue(k, now, limitHours) ? 0 : k.status === 'out' ? 1 : k.status === 'in' ? 2 : 3);
  return [...list].sort((a, b) => rank(a) - rank(b) || (a.out_since ?? '').localeCompare(b.out_since ?? '') || a.code.localeCompare(b.code));
}
