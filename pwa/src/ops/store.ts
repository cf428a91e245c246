// The patrol, key and review screens' data: views computed from the local
// snapshot (server state with the outbox laid over it), the cached REST
// answers, and the writes (each one outbox mutation).
import { computed, signal } from '@preact/signals';
import type { NewPhoto } from '../db/local';
import { localSnapshot, me, mutate } from '../app/data';
import { today } from '../app/format';
import { user } from '../app/state';
import { intentArgs, intentName, keysView, ledger, UPSERT, type Intent, type Key, type Purpose } from '../keys/key';
import {
  NAMES as PATROL,
  parseServerDue,
  parseUnits,
  patrolsView,
  saveArgs,
  startArgs,
  templatesView,
  type Patrol,
  type PatrolValues,
  type Unit,
} from '../patrols/patrol';
import { NAMES as REVIEW, reviewArgs, type Decision } from '../review/review';
import { uuid } from '../sync/hlc';
import type { Args } from '../sync/wire';
import { CACHE, type Cached } from '../app/cache';

/** Re-evaluated every minute so "overdue" and "today" move on while a screen is open. */
export const clock = signal(Date.now());
if (typeof setInterval === 'function') setInterval(() => (clock.value = Date.now()), 60_000);

export const todayOnSite = computed(() => today(clock.value));

export const actor = computed(() => ({ id: me.value, roles: user.value?.roles ?? [] }));

export const patrols = computed<Patrol[]>(() => {
  const s = localSnapshot.value;
  return s ? patrolsView(s.patrols, s.outbox, me.value) : [];
});

export const templates = computed(() => {
  const s = localSnapshot.value;
  return s ? templatesView(s.patrol_templates, s.outbox) : [];
});

export const keys = computed<Key[]>(() => {
  const s = localSnapshot.value;
  return s ? keysView(s.keys, s.outbox, actor.value, todayOnSite.value) : [];
});

export function keyLedger(keyId: string) {
  const s = localSnapshot.value;
  return s ? ledger(keyId, s.key_events, s.outbox, me.value) : [];
}

function cached<T>(key: string): Cached<T> | null {
  const v = localSnapshot.value?.meta[key];
  return typeof v === 'object' && v !== null && 'data' in v ? (v as Cached<T>) : null;
}

/** Cached vacant units of every site of mine, and when each list was fetched. */
export const units = computed(() => {
  const out: Unit[] = [];
  const fetched = new Map<string, number>();
  for (const s of user.value?.sites ?? []) {
    const c = cached<unknown>(`${CACHE.units}${s.id}`);
    if (!c) continue;
    fetched.set(s.id, c.at);
    out.push(...parseUnits(c.data, Number(s.id)));
  }
  return { list: out, fetched };
});

/** The server's due list, for the sites whose unit list is not cached (computed lists win). */
export const serverDue = computed(() => {
  const out = [];
  for (const s of user.value?.sites ?? []) {
    if (units.value.fetched.has(s.id)) continue;
    const c = cached<unknown>(`${CACHE.due}${s.id}`);
    if (c) out.push(...parseServerDue(c.data, Number(s.id)));
  }
  return out;
});

export function unitById(id: number | null): Unit | null {
  return id === null ? null : units.value.list.find((u) => u.id === id) ?? null;
}

export interface KeyOutInfo {
  id: string;
  holder: string;
  overdue: boolean;
}

/** The server's "keys out now" (holder names, overdue by the site's own limit), as last fetched. */
export const keysOut = computed(() => {
  const out = new Map<string, KeyOutInfo>();
  for (const s of user.value?.sites ?? []) {
    const c = cached<unknown>(`${CACHE.keysOut}${s.id}`);
    if (!c || !Array.isArray(c.data)) continue;
    for (const k of c.data as Record<string, unknown>[]) {
      if (typeof k.id === 'string') out.set(k.id, { id: k.id, holder: typeof k.holder === 'string' ? k.holder : '', overdue: k.overdue === true });
    }
  }
  return out;
});

export function siteName(id: number | null): string {
  if (id === null) return '';
  return user.value?.sites.find((s) => s.id === String(id))?.name ?? `#${id}`;
}

// ---- writes --------------------------------------------------------------------

export async function startPatrol(siteId: number, unitId: number, templateId: string, keyId: string | null): Promise<string> {
  const id = uuid();
  await mutate({ name: PATROL.save, args: startArgs(id, siteId, unitId, templateId, new Date().toISOString(), keyId), collection: 'patrols', record_id: id });
  return id;
}

/** Save the changed fields; false when nothing changed. New photos go in the same transaction. */
export async function savePatrol(id: string, values: PatrolValues, before: PatrolValues, photos: NewPhoto[] = []): Promise<boolean> {
  const args = saveArgs(id, values, before);
  if (!args) return false;
  await mutate({ name: PATROL.save, args, collection: 'patrols', record_id: id }, { photos });
  return true;
}

export async function submitPatrol(id: string): Promise<void> {
  await mutate({ name: PATROL.submit, args: { id }, collection: 'patrols', record_id: id });
}

export async function deletePatrol(id: string): Promise<void> {
  await mutate({ name: PATROL.delete, args: { id }, collection: 'patrols', record_id: id });
}

export async function keyIntent(keyId: string, intent: Intent, extra: { purpose?: Purpose; expected_return?: string | null; to_user_id?: number; note?: string } = {}): Promise<void> {
  await mutate({ name: intentName(intent), args: intentArgs(uuid(), keyId, intent, extra), collection: 'keys', record_id: keyId });
}

export async function upsertKey(args: Args): Promise<void> {
  await mutate({ name: UPSERT, args, collection: 'keys', record_id: String(args.id) });
}

export async function review(decision: Decision, p: Patrol, comment: string): Promise<void> {
  const name = decision === 'approve' ? REVIEW.approve : REVIEW.reject;
  await mutate({ name, args: reviewArgs(uuid(), decision, p, comment), collection: 'patrols', record_id: p.id });
}
