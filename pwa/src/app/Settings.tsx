import { useState } from 'preact/hooks';
import { t } from '../i18n';
import type { User } from '../model';
import { LangSwitch, OfflineBadge } from './common';
import { signOut } from './session';
import { goHome } from './state';

export function Settings({ user }: { user: User }) {
  const [busy, setBusy] = useState(false);

  async function doSignOut() {
    if (busy) return;
    setBusy(true);
    try {
      await signOut();
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="screen">
      <header class="bar">
        <button type="button" class="btn btn-bar" onClick={goHome} data-testid="settings-back">
          ‹ {t('settings.back')}
        </button>
        <h1 class="bar-title">{t('settings.title')}</h1>
        <OfflineBadge />
      </header>
      <main class="content">
        <section class="card">
          <h2>{t('settings.language')}</h2>
          <LangSwitch hideLegend />
        </section>
        <section class="card">
          <h2>{t('settings.account')}</h2>
          <p>{t('settings.signed_in_as', { name: user.display_name, username: user.username })}</p>
          <button
            type="button"
            class="btn btn-danger btn-block"
            onClick={() => void doSignOut()}
            disabled={busy}
            aria-busy={busy}
            data-testid="sign-out"
          >
            {busy ? t('settings.signing_out') : t('settings.sign_out')}
          </button>
        </section>
        <p class="muted center">{t('settings.version', { version: __APP_VERSION__ })}</p>
      </main>
    </div>
  );
}
