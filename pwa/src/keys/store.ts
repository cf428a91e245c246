// The keys feature's data and every write it makes: keys and their ledgers as
// this device shows them (server state with the outbox laid over it), the
// server's "keys out now", and custody intents and key registration, each one
// outbox mutation.
import { computed } from '@preact/signals';
import type { KeyOutRead } from '../app/api-types';
import { CACHE } from '../app/cache';
import { localSnapshot, memberName, me, mutate } from '../app/data';
import { actor, cached, todayOnSite } from '../app/site';
import { user } from '../app/state';
import type { NewPhoto } from '../db/local';
import { uuid } from '../sync/hlc';
import type { Args } from '../sync/wire';
import { intentMutation, isOverdue, keysView, ledger, UPSERT, type Intent, type IntentExtra, type Key } from './key';

export const keys = computed<Key[]>(() => {
  const s = localSnapshot.value;
  return s ? keysView(s.keys, s.outbox, actor.value, todayOnSite.value) : [];
});

export function keyLedger(keyId: string) {
  const s = localSnapshot.value;
  return s ? ledger(keyId, s.key_events, s.outbox, me.value) : [];
}

/** The server's "keys out now" (holder names, overdue by the site's own limit), as last fetched. */
export const keysOut = computed(() => {
  const out = new Map<string, Pick<KeyOutRead, 'id' | 'holder' | 'overdue'>>();
  for (const s of user.value?.sites ?? []) {
    const c = cached<unknown>(`${CACHE.keysOut}${s.id}`);
    if (!c || !Array.isArray(c.data)) continue;
    for (const k of c.data as Record<string, unknown>[]) {
      if (typeof k.id === 'string') out.set(k.id, { id: k.id, holder: typeof k.holder === 'string' ? k.holder : '', overdue: k.overdue === true });
    }
  }
  return out;
});

/** Overdue by the default limit here, or by the site's own limit as the server last said. */
export function keyOverdue(k: Key, now: number): boolean {
  return isOverdue(k, now) || (k.status === 'out' && keysOut.value.get(k.id)?.overdue === true);
}

/** The holder's name: from the site's members, else as the server's keys-out list gave it. */
export function holderName(k: Key): string {
  if (k.holder_id === null) return '';
  const fromServer = keysOut.value.get(k.id)?.holder;
  const name = memberName(k.holder_id);
  return name.startsWith('#') && fromServer ? fromServer : name;
}

// ---- writes --------------------------------------------------------------------

/** Take, return, hand over, receive, report lost or return to the owner (predicted here, decided by the server). */
export async function keyIntent(keyId: string, intent: Intent, extra: IntentExtra = {}): Promise<void> {
  await mutate(intentMutation(uuid(), keyId, intent, extra));
}

/** Register a key or change its details; new authorisation photos go in the same transaction. */
export async function saveKey(args: Args & { id: string }, photos: NewPhoto[] = []): Promise<void> {
  await mutate({ name: UPSERT, args, collection: 'keys', record_id: args.id }, { photos });
}
