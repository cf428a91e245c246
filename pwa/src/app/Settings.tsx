import { useState } from 'preact/hooks';
import { t } from '../i18n';
import type { User } from './api-types';
import { NotificationSettings } from '../push/NotificationSettings';
import { syncing } from '../sync/status';
import { LangSwitch, Screen } from './common';
import { pendingCount, syncNow } from './data';
import { signOut } from './session';
import { goHome } from './state';

export function Settings({ user }: { user: User }) {
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const pending = pendingCount.value;

  async function doSignOut(force: boolean) {
    if (busy) return;
    if (pending > 0 && !force) {
      // Unsent changes stay on this phone (in this user's store) but nobody sees them until the next sign-in.
      setConfirming(true);
      return;
    }
    setBusy(true);
    try {
      await signOut();
    } finally {
      setBusy(false);
    }
  }

  return (
    <Screen title={t('settings.title')} back={goHome} backTestId="settings-back">
      <section class="card">
        <h2>{t('settings.language')}</h2>
        <LangSwitch hideLegend />
      </section>
      <NotificationSettings user={user} />
      <section class="card">
        <h2>{t('settings.account')}</h2>
        <p>{t('settings.signed_in_as', { name: user.display_name, username: user.username })}</p>
        {confirming && pending > 0 ? (
          <div class="notice" role="alertdialog" aria-labelledby="signout-warn" data-testid="sign-out-warning">
            <p id="signout-warn">{t('settings.unsent_warning', { n: pending })}</p>
            <button
              type="button"
              class="btn btn-primary btn-block"
              onClick={() => void syncNow()}
              disabled={syncing.value}
              data-testid="sign-out-sync-first"
            >
              {syncing.value ? t('sync.syncing') : t('settings.sync_first')}
            </button>
            <button type="button" class="btn btn-danger btn-block" onClick={() => void doSignOut(true)} disabled={busy} data-testid="sign-out-anyway">
              {t('settings.sign_out_anyway')}
            </button>
            <button type="button" class="btn btn-light-outline btn-block" onClick={() => setConfirming(false)} data-testid="sign-out-cancel">
              {t('common.cancel')}
            </button>
          </div>
        ) : (
          <button
            type="button"
            class="btn btn-danger btn-block"
            onClick={() => void doSignOut(false)}
            disabled={busy}
            aria-busy={busy}
            data-testid="sign-out"
          >
            {busy ? t('settings.signing_out') : t('settings.sign_out')}
          </button>
        )}
      </section>
      <p class="muted center">{t('settings.version', { version: __APP_VERSION__ })}</p>
    </Screen>
  );
}
