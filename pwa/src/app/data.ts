// The signed-in user's local data as signals: one live query over the local
// database (server state, outbox, notices, meta), the overlay computed from
// it, and the sync runner. Opened when a user is signed in, closed on sign-out.
import { computed, signal } from '@preact/signals';
import {
  closeLocal,
  dismissNotice,
  enqueue,
  ensureDevice,
  META,
  openLocal,
  setLocalMeta,
  snapshot,
  watch,
  type EnqueueOptions,
  type LocalDB,
  type NewMutation,
  type OutboxRow,
  type PhotoMeta,
  type PhotoRow,
  type Snapshot,
} from '../db/local';
import { localPhotoRow, photoIndex, requeuePhotos } from '../db/photos';
import type { PhotoUploader } from '../photos/queue';
import { lang } from '../i18n';
import type { MemberRead, User } from './api-types';
import { api } from '../sync/api';
import { SyncRunner } from '../sync/runner';
import { online } from '../sync/status';

const snap = signal<Snapshot | null>(null);
/** The signed-in user's id as the server's integer (ids in `fields` are integers). */
export const me = signal<number | null>(null);

export const ready = computed(() => snap.value !== null);
/** The raw local snapshot, for the feature stores that compute their views from it. */
export const localSnapshot = computed(() => snap.value);
// Old "merged" notices (before the conflicts collection) are not shown: each conflict is
// told once, by its `conflicts` record.
export const notices = computed(() => (snap.value?.notices ?? []).filter((n) => n.kind !== 'merged'));
/** Mutations not yet answered, in seq order. */
export const pendingRows = computed<OutboxRow[]>(() => (snap.value?.outbox ?? []).filter((r) => r.state !== 'acked'));
export const pendingCount = computed(() => pendingRows.value.length);
export const lastSyncedAt = computed(() => {
  const v = snap.value?.meta[META.lastSyncedAt];
  return typeof v === 'number' ? v : null;
});
export const deviceId = computed(() => {
  const v = snap.value?.meta[META.deviceId];
  return typeof v === 'string' ? v : null;
});
/** Site members by site id (cached for offline use). */
export const members = computed(() => {
  const out = new Map<string, MemberRead[]>();
  for (const [k, v] of Object.entries(snap.value?.meta ?? {})) {
    if (k.startsWith(META.membersPrefix) && Array.isArray(v)) out.set(k.slice(META.membersPrefix.length), v as MemberRead[]);
  }
  return out;
});

/** Photos kept on this device (without their bytes), by hash. */
export const localPhotos = signal<ReadonlyMap<string, PhotoMeta>>(new Map());
/** Photos waiting for the server, oldest first. */
export const queuedPhotos = computed(() => [...localPhotos.value.values()].filter((p) => p.state === 'queued').sort((a, b) => a.created_at - b.created_at));
/** Photos the server refused for good. */
export const failedPhotos = computed(() => [...localPhotos.value.values()].filter((p) => p.state === 'failed'));

export function memberName(id: number | null): string {
  if (id === null) return '';
  for (const list of members.value.values()) {
    const m = list.find((x) => x.id === id);
    if (m) return m.display_name || m.username;
  }
  return `#${id}`;
}

let db: LocalDB | null = null;
let runner: SyncRunner | null = null;
let unwatch: (() => void) | null = null;
let unwatchPhotos: (() => void) | null = null;
let uploader: PhotoUploader | null = null;
let attachedId: string | null = null;
let siteIds: string[] = [];
let onUnauthorized: (code: string) => void = () => undefined;
const afterSyncHooks: ((siteIds: string[]) => Promise<void>)[] = [];

/** Run `f` (best effort) after every clean sync, like the members refresh: REST caches for offline use. */
export function onAfterSync(f: (siteIds: string[]) => Promise<void>): void {
  afterSyncHooks.push(f);
}

export function setUnauthorizedHandler(f: (code: string) => void): void {
  onUnauthorized = f;
}

function parseMembers(v: unknown): MemberRead[] | null {
  if (!Array.isArray(v)) return null;
  const out: MemberRead[] = [];
  for (const m of v) {
    if (typeof m !== 'object' || m === null) continue;
    const o = m as Record<string, unknown>;
    if (typeof o.id !== 'number' || typeof o.username !== 'string') continue;
    out.push({
      id: o.id,
      username: o.username,
      display_name: typeof o.display_name === 'string' ? o.display_name : o.username,
      roles: Array.isArray(o.roles) ? o.roles.filter((r): r is string => typeof r === 'string') : [],
    });
  }
  return out;
}

/** Refresh the member lists of the user's sites (best effort; the cache serves offline). */
export async function refreshMembers(ids: string[] = siteIds): Promise<void> {
  const target = db;
  if (!target) return;
  await Promise.all(
    ids.map(async (id) => {
      try {
        const list = parseMembers(await api.get(`/api/sites/${encodeURIComponent(id)}/members`));
        if (list && target === db) await setLocalMeta(target, `${META.membersPrefix}${id}`, list);
      } catch {
        // offline or not allowed: keep what is cached
      }
    }),
  );
}

/** Open this user's store and start syncing; a no-op when it is already open. */
export function attach(u: User): void {
  siteIds = u.sites.map((s) => s.id);
  if (attachedId === u.id) return;
  detach();
  attachedId = u.id;
  const n = Number(u.id);
  me.value = Number.isSafeInteger(n) ? n : null;
  db = openLocal(u.id);
  const target = db;
  void ensureDevice(target).catch((err: unknown) => console.warn('fieldkeep: no device id', err));
  void setLocalMeta(target, META.user, u).catch(() => undefined);
  unwatch = watch(
    () => snapshot(target),
    (s) => {
      if (db === target) snap.value = s;
    },
  );
  unwatchPhotos = watch(
    () => photoIndex(target),
    (rows) => {
      if (db === target) localPhotos.value = new Map(rows.map((r) => [r.hash, r]));
    },
  );
  // The upload queue and the cleanup are loaded after sign-in, not with the first screen.
  const photosCode = () => import('../photos/start');
  const cleanup = () =>
    photosCode()
      .then((m) => m.cleanupPhotos(target))
      .catch((err: unknown) => console.warn('fieldkeep: photo cleanup failed', err));
  runner = new SyncRunner({
    db: target,
    api,
    onUnauthorized: (code) => onUnauthorized(code),
    // Acked mutations no longer hold their photos: copies the server has may go.
    afterSync: async () => {
      await refreshMembers();
      await Promise.all(afterSyncHooks.map((f) => f(siteIds).catch(() => undefined)));
      await cleanup();
    },
    isOnline: () => online.value,
  });
  runner.start();
  void photosCode().then(
    (m) => {
      if (db !== target) return; // signed out meanwhile
      uploader = m.startUploads(target, {
        csrfToken: (refresh) => api.csrfToken(refresh),
        lang: () => lang.value,
        isOnline: () => online.value,
      });
    },
    (err: unknown) => console.warn('fieldkeep: the photo upload code did not load', err),
  );
}

export function detach(): void {
  runner?.stop();
  runner = null;
  uploader?.stop();
  uploader = null;
  unwatch?.();
  unwatch = null;
  unwatchPhotos?.();
  unwatchPhotos = null;
  localPhotos.value = new Map();
  snap.value = null;
  attachedId = null;
  me.value = null;
  db = null;
  closeLocal();
}

/** Write a mutation (and with it the local change) and sync soon. */
export async function mutate(m: NewMutation, opts?: EnqueueOptions): Promise<OutboxRow> {
  if (!db) throw new Error('no local database');
  const row = await enqueue(db, m, opts);
  runner?.noteWrite();
  if (opts?.photos?.length) void uploader?.kick();
  return row;
}

/** A photo kept on this device (with its bytes), or null. */
export async function localPhoto(hash: string): Promise<PhotoRow | null> {
  return db ? localPhotoRow(db, hash) : null;
}

/** Try photos the server refused again (after an app update, say). */
export async function retryFailedPhotos(): Promise<void> {
  if (!db) return;
  await requeuePhotos(db);
  void uploader?.kick(true);
}

export async function dismiss(id: string): Promise<void> {
  if (db) await dismissNotice(db, id);
}

export function syncNow(): Promise<unknown> {
  void uploader?.kick(true);
  return runner?.syncNow() ?? Promise.resolve(null);
}
