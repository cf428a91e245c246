// Sign-out on a shared phone (loaded when the person taps "sign out"). With
// nothing unsent, the user's local data goes with the session (their store
// and its photos); with unsent work the person is asked first, sees what
// would wait, and either syncs or signs out keeping it on this phone for
// their next sign-in. Unsent work is never deleted. The browser's push
// endpoint goes with the logout so the server stops sending this user's
// notifications here; the photo cache is dropped by session.signOut.
import './texts';
import { useState } from 'preact/hooks';
import { t } from '../i18n';
import { localDb, openLocal, type LocalDB } from '../db/local';
import { forgetLocal } from '../db/forget';
import { recordName } from '../conflicts/store';
import { syncing } from '../sync/status';
import type { User } from './api-types';
import { detach, failedPhotos, pendingRows, queuedPhotos, syncNow } from './data';
import { mutationLabel } from './labels';
import { signOut } from './session';

/** Mutations not answered and photos not on the server, read from the store itself. */
export async function unsentCount(db: LocalDB): Promise<number> {
  const [rows, photos] = await Promise.all([
    db.outbox.filter((r) => r.state !== 'acked').count(),
    db.photos.filter((p) => p.state !== 'uploaded').count(),
  ]);
  return rows + photos;
}

async function pushSubscription(): Promise<PushSubscription | null> {
  try {
    const reg = await navigator.serviceWorker?.getRegistration();
    return (await reg?.pushManager?.getSubscription()) ?? null;
  } catch {
    return null; // no service worker or no push here: nothing to stop
  }
}

/** Whether the signed-in user has work this phone has not sent. */
export async function hasUnsent(u: User): Promise<boolean> {
  return (await unsentCount(localDb() ?? openLocal(u.id))) > 0;
}

/**
 * Sign out. `keep`: leave the user's store on the phone (their unsent work
 * waits for their next sign-in); otherwise it is deleted, but only when the
 * store itself says nothing is unsent.
 */
export async function leave(u: User, keep: boolean): Promise<void> {
  const clear = !keep && !(await hasUnsent(u));
  const sub = await pushSubscription();
  await signOut(sub?.endpoint ?? null);
  // This user's subscription is not the next user's (the server forgot it with the logout).
  await sub?.unsubscribe().catch(() => false);
  detach();
  if (clear) {
    try {
      await forgetLocal(u.id);
    } catch (err) {
      console.warn('fieldkeep: the local data could not be deleted', err);
    }
  }
}

/** The question when something is unsent: what would wait, sync first, or keep it here. */
export function SignOutPanel({ user, onCancel }: { user: User; onCancel: () => void }) {
  const [busy, setBusy] = useState(false);
  const rows = pendingRows.value;
  const photos = queuedPhotos.value.length + failedPhotos.value.length;
  const n = rows.length + photos;

  async function go(keep: boolean) {
    if (busy) return;
    setBusy(true);
    try {
      await leave(user, keep);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="notice" role="alertdialog" aria-labelledby="signout-warn" data-testid="sign-out-warning" data-unsent={n}>
      {/* Keyed: the "sign out" button never reuses the element of "sync first" under a finger. */}
      {n > 0 ? (
        <div key="unsent">
          <p id="signout-warn">{t('signout.unsent', { n })}</p>
          <ul class="plain-list">
            {rows.map((r) => (
              <li key={r.id} data-testid="sign-out-item" data-name={r.name}>
                {t('sync.pending_what', { what: mutationLabel(r.name), record: recordName({ collection: r.collection, record_id: r.record_id }, r.args) })}
              </li>
            ))}
            {photos > 0 && <li data-testid="sign-out-photos">{t('signout.photos', { n: photos })}</li>}
          </ul>
          <button type="button" class="btn btn-primary btn-block" onClick={() => void syncNow()} disabled={syncing.value} aria-busy={syncing.value} data-testid="sign-out-sync-first">
            {syncing.value ? t('sync.syncing') : t('signout.sync_first')}
          </button>
          <p class="muted">{t('signout.keep_note')}</p>
          <button type="button" class="btn btn-danger btn-block" onClick={() => void go(true)} disabled={busy} data-testid="sign-out-keep">
            {t('signout.keep')}
          </button>
        </div>
      ) : (
        <div key="sent">
          <p id="signout-warn">{t('signout.all_sent')}</p>
          <button type="button" class="btn btn-danger btn-block" onClick={() => void go(false)} disabled={busy} aria-busy={busy} data-testid="sign-out-clear">
            {busy ? t('settings.signing_out') : t('settings.sign_out')}
          </button>
        </div>
      )}
      <button type="button" class="btn btn-light-outline btn-block" onClick={onCancel} disabled={busy} data-testid="sign-out-cancel">
        {t('common.cancel')}
      </button>
    </div>
  );
}
