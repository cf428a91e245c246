import { useState } from 'preact/hooks';
import { t } from '../i18n';
import type { User } from './api-types';
import { NotificationSettings } from '../push/NotificationSettings';
import { LangSwitch, Screen } from './common';
import { goHome } from './state';

// The sign-out code (the question about unsent work, clearing the phone) loads on the tap.
type SignOutCode = typeof import('./signout');

export function Settings({ user }: { user: User }) {
  const [busy, setBusy] = useState(false);
  const [asking, setAsking] = useState<SignOutCode | null>(null);

  async function startSignOut() {
    if (busy) return;
    setBusy(true);
    try {
      const code = await import('./signout');
      // Unsent work: ask first (what would wait, sync first, or keep it here); else sign out and clear.
      if (await code.hasUnsent(user)) setAsking(code);
      else await code.leave(user, false);
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
        {asking ? (
          <asking.SignOutPanel user={user} onCancel={() => setAsking(null)} />
        ) : (
          <button
            type="button"
            class="btn btn-danger btn-block"
            onClick={() => void startSignOut()}
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
