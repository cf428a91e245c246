// Sign-in state: the stored user opens the app with no network; the server
// is asked who we are when it can be reached, and only a 401 signs us out.
import { applyLang, isLang, lang, matchLang, type Lang } from '../i18n';
import {
  clearUser,
  loadLang,
  loadPendingLogout,
  loadUser,
  saveLang,
  saveUser,
  setPendingLogout,
} from '../db/db';
import { ApiError, isNetworkError } from '../sync/api';
import { MEDIA_CACHE } from '../sw/routes';
import * as auth from '../sync/auth';
import type { User } from './api-types';
import { booting, loginNotice, navigate, online, user } from './state';

/** Whether the person picked a language themselves (then the account's default does not apply). */
let langChosen = false;
/** Bumped on every sign-in and sign-out, so a late /me answer cannot undo either. */
let generation = 0;
let flushing: Promise<void> | null = null;

async function quietly<T>(what: string, p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    console.warn(`fieldkeep: ${what} failed`, err);
    return undefined;
  }
}

function accountLang(u: User | null): Lang | null {
  return u?.language ? matchLang(u.language) : null;
}

export async function boot(): Promise<void> {
  const [stored, chosen] = await Promise.all([
    quietly('reading the stored user', loadUser()),
    quietly('reading the language', loadLang()),
  ]);
  langChosen = isLang(chosen);
  applyLang(chosen ?? accountLang(stored ?? null) ?? lang.value);
  user.value = stored ?? null;
  booting.value = false;
  void refreshUser();
  void flushPendingLogout();
}

/** Ask the server who is signed in; keep the stored user unless it says 401. */
export async function refreshUser(): Promise<void> {
  if (!user.value || !online.value) return;
  const gen = generation;
  try {
    const fresh = await auth.me();
    if (gen !== generation || !user.value) return;
    user.value = fresh;
    if (!langChosen && accountLang(fresh)) applyLang(accountLang(fresh)!);
    await quietly('storing the user', saveUser(fresh));
  } catch (err) {
    if (gen !== generation) return;
    if (err instanceof ApiError && err.status === 401) await expireSession();
    // Network errors and other failures: keep working with the stored user.
  }
}

/**
 * The server no longer knows our session (a 401 from /me or from sync): back
 * to the sign-in screen. The user's local store, outbox included, stays on
 * the phone and is opened again at the next sign-in as the same user.
 */
export async function expireSession(): Promise<void> {
  if (!user.value) return;
  generation++;
  user.value = null;
  loginNotice.value = 'login.session_expired';
  await quietly('clearing the user', clearUser());
  await dropPhotoCache();
}

/**
 * The service worker's photo cache answers without asking the server, so no
 * user's cached photos may outlive their sign-in: the next person on this
 * phone gets photos only through the server's access check.
 */
async function dropPhotoCache(): Promise<void> {
  if (typeof caches !== 'undefined') await quietly('clearing the photo cache', caches.delete(MEDIA_CACHE));
}

export async function signIn(username: string, password: string): Promise<void> {
  await flushPendingLogout(); // the last user's sign-out (and push endpoint) lands before this sign-in
  const gen = ++generation;
  const u = await auth.login(username, password);
  if (gen !== generation) return;
  await quietly('clearing a pending sign-out', setPendingLogout(false));
  await quietly('storing the user', saveUser(u));
  if (!langChosen && accountLang(u)) applyLang(accountLang(u)!);
  loginNotice.value = null;
  user.value = u;
  navigate('home', true);
  void requestPersistence();
}

/**
 * End the session; `pushEndpoint` (this browser's push subscription) goes with
 * it so the next user of the phone does not get this user's notifications.
 * The user's local store is kept: app/signout.tsx deletes it when nothing is unsent.
 */
export async function signOut(pushEndpoint?: string | null): Promise<void> {
  generation++;
  try {
    await auth.logout(undefined, pushEndpoint);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) {
      // The server still holds the session: end it when the network is back.
      await quietly('noting the pending sign-out', setPendingLogout(pushEndpoint || true));
      if (!isNetworkError(err)) console.warn('fieldkeep: sign-out failed', err);
    }
  }
  await quietly('clearing the user', clearUser());
  await dropPhotoCache();
  user.value = null;
  loginNotice.value = 'login.signed_out';
  navigate('home', true);
}

export function flushPendingLogout(): Promise<void> {
  if (flushing) return flushing;
  flushing = (async () => {
    if (user.value || !online.value) return;
    const pending = await quietly('reading the pending sign-out', loadPendingLogout());
    if (!pending) return;
    try {
      await auth.logout(undefined, typeof pending === 'string' ? pending : null);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) return; // try again later
    }
    await quietly('clearing the pending sign-out', setPendingLogout(false));
  })().finally(() => {
    flushing = null;
  });
  return flushing;
}

export async function chooseLang(next: Lang): Promise<void> {
  langChosen = true;
  applyLang(next);
  await quietly('storing the language', saveLang(next));
  if (user.value && online.value) await quietly('saving the language', auth.saveLanguage(next));
}

async function requestPersistence(): Promise<void> {
  // Without it a browser may evict IndexedDB under storage pressure (and the outbox with it).
  if (typeof navigator !== 'undefined' && navigator.storage?.persist) {
    await quietly('requesting persistent storage', navigator.storage.persist());
  }
}

export function watchConnectivity(): void {
  addEventListener('online', () => {
    online.value = true;
    void refreshUser();
    void flushPendingLogout();
  });
  addEventListener('offline', () => {
    online.value = false;
  });
}
