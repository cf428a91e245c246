import { useState } from 'preact/hooks';
import { t } from '../i18n';
import { errorText } from '../i18n/errors';
import { LangSwitch, OfflineBadge } from './common';
import { signIn } from './session';
import { loginNotice } from './state';

type Problem = { kind: 'missing' } | { kind: 'error'; err: unknown };

export function Login() {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);

  async function submit(e: Event) {
    e.preventDefault();
    if (busy) return;
    const name = username.trim();
    if (name === '' || password === '') {
      setProblem({ kind: 'missing' });
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      await signIn(name, password);
    } catch (err) {
      setProblem({ kind: 'error', err });
      setBusy(false);
    }
  }

  const notice = loginNotice.value;
  // Translated at render time, so switching language re-translates known codes.
  const message = problem === null ? null : problem.kind === 'missing' ? t('login.missing') : errorText(problem.err);

  return (
    <div class="screen">
      <header class="bar">
        <h1 class="bar-title">{t('app.name')}</h1>
        <OfflineBadge />
      </header>
      <main class="content">
        <form class="card form" onSubmit={submit} noValidate aria-busy={busy}>
          <h2>{t('login.title')}</h2>
          {notice && !problem && (
            <p class="notice" role="status" data-testid="login-notice">
              {t(notice)}
            </p>
          )}
          <label for="login-username">{t('login.username')}</label>
          <input
            id="login-username"
            name="username"
            type="text"
            autocomplete="username"
            autocapitalize="none"
            autocorrect="off"
            spellcheck={false}
            enterkeyhint="next"
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
            disabled={busy}
            data-testid="login-username"
          />
          <label for="login-password">{t('login.password')}</label>
          <input
            id="login-password"
            name="password"
            type="password"
            autocomplete="current-password"
            enterkeyhint="go"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            disabled={busy}
            data-testid="login-password"
          />
          {message && (
            <p class="error" role="alert" data-testid="login-error">
              {message}
            </p>
          )}
          <button type="submit" class="btn btn-primary btn-block" disabled={busy} data-testid="login-submit">
            {busy ? t('login.busy') : t('login.submit')}
          </button>
        </form>
        <LangSwitch />
      </main>
    </div>
  );
}
