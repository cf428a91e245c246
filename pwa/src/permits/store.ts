// The permits feature's data: the site's permits as pulled (status, QR text,
// used passes) with this phone's queued intents laid over them, the sites'
// public keys as last fetched, and every write it makes (one outbox mutation
// each: permits.issue / renew / revoke / use).
import { computed, signal } from '@preact/signals';
import { CACHE } from '../app/cache';
import { localSnapshot, mutate } from '../app/data';
import { cached } from '../app/site';
import { localDb, watch, type ServerRow } from '../db/local';
import { uuid } from '../sync/hlc';
import type { Args } from '../sync/wire';
import { importKeys, type PermitKind, type PublicKeyRead, type States, type VerifyKey } from './verify';

export interface Permit {
  id: string;
  site_id: number;
  kind: PermitKind;
  subject: string;
  serial: number;
  status: 'issued' | 'revoked';
  not_before: number; // epoch seconds
  expires: number;
  valid_from: string;
  valid_to: string;
  qr: string;
  details: Record<string, unknown>;
  fee_fen: number | null;
  space: string | null;
  revoked_reason: string;
  used_at: string | null;
  renewed_by: string | null;
  /** True while an intent of this phone about it is not yet on the server. */
  pending: boolean;
}

const rows = signal<ServerRow[]>([]);
let unwatch: (() => void) | null = null;

/** Start following the local permits table (once the feature is opened). */
export function followPermits(): void {
  const db = localDb();
  if (!db || unwatch) return;
  unwatch = watch(
    () => db.permits.toArray(),
    (r) => {
      rows.value = r;
    },
  );
}

function permitOf(r: ServerRow): Permit {
  const f = r.fields;
  return {
    id: r.id,
    site_id: Number(f.site_id),
    kind: f.kind as PermitKind,
    subject: String(f.subject ?? ''),
    serial: Number(f.serial ?? 0),
    status: f.status === 'revoked' ? 'revoked' : 'issued',
    not_before: Number(f.not_before ?? 0),
    expires: Number(f.expires ?? 0),
    valid_from: String(f.valid_from ?? ''),
    valid_to: String(f.valid_to ?? ''),
    qr: String(f.qr ?? ''),
    details: (f.details as Record<string, unknown>) ?? {},
    fee_fen: typeof f.fee_fen === 'number' ? f.fee_fen : null,
    space: typeof f.space === 'string' ? f.space : null,
    revoked_reason: String(f.revoked_reason ?? ''),
    used_at: typeof f.used_at === 'string' ? f.used_at : null,
    renewed_by: typeof f.renewed_by === 'string' ? f.renewed_by : null,
    pending: false,
  };
}

/** This phone's permits intents not yet reflected by a pull. */
const queued = computed(() => (localSnapshot.value?.outbox ?? []).filter((m) => m.collection === 'permits'));

/** The permits as this phone shows them: pulled, with its own queued revocations and uses laid over. */
export const permits = computed<Permit[]>(() => {
  const byId = new Map(rows.value.map((r) => [r.id, permitOf(r)]));
  for (const m of queued.value) {
    const p = byId.get(m.record_id);
    if (!p) continue;
    if (m.name === 'permits.revoke') byId.set(p.id, { ...p, status: 'revoked', revoked_reason: String(m.args.reason ?? ''), pending: true });
    if (m.name === 'permits.use') byId.set(p.id, { ...p, used_at: p.used_at ?? new Date(m.created_at).toISOString(), pending: true });
    if (m.name === 'permits.renew') byId.set(p.id, { ...p, renewed_by: p.renewed_by ?? String(m.args.id), pending: true });
  }
  return [...byId.values()].sort((a, b) => b.serial - a.serial);
});

/** Issued or renewed here and not yet answered: shown in the list as waiting. */
export const queuedIssues = computed(() => queued.value.filter((m) => m.name === 'permits.issue' || m.name === 'permits.renew'));

/** What the scanner checks besides the signature: revoked permits and used passes. */
export const states = computed<States>(() => {
  const revoked = new Set<string>();
  const used = new Set<string>();
  for (const p of permits.value) {
    if (p.status === 'revoked') revoked.add(p.id);
    if (p.used_at) used.add(p.id);
  }
  return { revoked, used };
});

// ---- the sites' public keys ---------------------------------------------------

let keysFrom = '';
let keysReady: Promise<Map<string, VerifyKey>> = Promise.resolve(new Map());

/** WebCrypto keys from the public keys last fetched (re-imported only when they changed). */
export function verifyKeys(): Promise<Map<string, VerifyKey>> {
  const c = cached<{ keys?: PublicKeyRead[] }>(CACHE.permitKeys);
  const list = Array.isArray(c?.data?.keys) ? c.data.keys : [];
  const sig = JSON.stringify(list);
  if (sig !== keysFrom) {
    keysFrom = sig;
    keysReady = importKeys(list);
  }
  return keysReady;
}

export const hasKeys = computed(() => {
  const c = cached<{ keys?: PublicKeyRead[] }>(CACHE.permitKeys);
  return Array.isArray(c?.data?.keys) && c.data.keys.length > 0;
});

// ---- writes ---------------------------------------------------------------------

function intent(name: string, recordId: string, args: Args) {
  return mutate({ name: `permits.${name}`, args, collection: 'permits', record_id: recordId });
}

export async function issuePermit(args: Args): Promise<string> {
  const id = uuid();
  await intent('issue', id, { ...args, id });
  return id;
}

export async function renewPermit(permitId: string, validTo: string, feeFen?: number): Promise<string> {
  const id = uuid();
  const args: Args = { id, permit_id: permitId, valid_to: validTo };
  if (feeFen !== undefined) args.fee_fen = feeFen;
  await intent('renew', permitId, args);
  return id;
}

export async function revokePermit(permitId: string, reason: string): Promise<void> {
  await intent('revoke', permitId, { permit_id: permitId, reason });
}

/** The gate takes a release pass: recorded here at once, sent when online. */
export async function usePass(permitId: string): Promise<void> {
  await intent('use', permitId, { permit_id: permitId, scanned_at: new Date().toISOString() });
}
