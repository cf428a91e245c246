// Settings → 通知 / Notifications: turn push on for this device (permission is
// asked only after the tap), off again, and choose which kinds arrive.
import './texts';
import { useEffect, useRef, useState } from 'preact/hooks';
import './push.css';
import { lang, t, type MessageKey } from '../i18n';
import type { User } from '../app/api-types';
import { api } from '../sync/api';
import {
  browserPushEnv,
  currentSubscription,
  disableNotifications,
  enableNotifications,
  kindsFor,
  loadPreferences,
  pushSupport,
  PushSetupError,
  refreshSubscription,
  savePreference,
  type PushKind,
  type PushPreferences,
  type PushProblem,
} from './push';

const PROBLEM_TEXT: Record<PushProblem, MessageKey> = {
  unsupported: 'push.unsupported',
  'ios-install': 'push.ios_install',
  denied: 'push.denied',
  dismissed: 'push.dismissed',
  failed: 'push.failed',
  offline: 'push.offline',
};

const KIND_TEXT: Record<PushKind, MessageKey> = {
  review_requested: 'push.kind.review_requested',
  rejected: 'push.kind.rejected',
  key_overdue: 'push.kind.key_overdue',
  finding_overdue: 'push.kind.finding_overdue',
  parking_variance: 'push.kind.parking_variance',
  permit_expiring: 'push.kind.permit_expiring',
};

export function NotificationSettings({ user }: { user: User }) {
  const env = useRef(browserPushEnv()).current;
  const support = pushSupport(env);
  const [subscribed, setSubscribed] = useState<boolean | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<PushProblem | null>(null);
  const [prefs, setPrefs] = useState<PushPreferences | null>(null);
  const [prefsFailed, setPrefsFailed] = useState(false);
  const language = lang.value;

  useEffect(() => {
    if (support !== 'supported') return;
    let live = true;
    currentSubscription(env)
      .then((sub) => live && setSubscribed(sub !== null))
      .catch(() => live && setSubscribed(false));
    return () => {
      live = false;
    };
  }, [env, support]);

  useEffect(() => {
    if (!subscribed) return;
    let live = true;
    setPrefsFailed(false);
    loadPreferences(api)
      .then((p) => live && setPrefs(p))
      .catch(() => live && setPrefsFailed(true));
    return () => {
      live = false;
    };
  }, [subscribed]);

  // The server writes notifications in the language this device shows.
  const firstLanguage = useRef(language);
  useEffect(() => {
    if (language === firstLanguage.current || !subscribed) return;
    firstLanguage.current = language;
    void refreshSubscription(api, env, language).catch(() => undefined);
  }, [language, subscribed, env]);

  async function turnOn() {
    if (busy) return;
    setBusy(true);
    setProblem(null);
    try {
      await enableNotifications(api, env, language);
      setSubscribed(true);
    } catch (err) {
      setProblem(err instanceof PushSetupError ? err.problem : 'failed');
    } finally {
      setBusy(false);
    }
  }

  async function turnOff() {
    if (busy) return;
    setBusy(true);
    setProblem(null);
    try {
      await disableNotifications(api, env);
      setSubscribed(false);
      setPrefs(null);
    } catch (err) {
      setProblem(err instanceof PushSetupError ? err.problem : (err as { code?: string }).code === 'network' ? 'offline' : 'failed');
    } finally {
      setBusy(false);
    }
  }

  async function toggle(kind: PushKind, enabled: boolean) {
    if (!prefs) return;
    setPrefs({ ...prefs, [kind]: enabled });
    try {
      setPrefs(await savePreference(api, kind, enabled));
    } catch {
      setPrefs({ ...prefs });
      setPrefsFailed(true);
    }
  }

  if (support !== 'supported') {
    return (
      <section class="card" data-testid="push-settings" data-support={support}>
        <h2>{t('push.title')}</h2>
        <p class="notice" data-testid="push-unavailable">
          {t(support === 'ios-install' ? 'push.ios_install' : 'push.unsupported')}
        </p>
      </section>
    );
  }

  const blocked = env.notification?.permission === 'denied';
  const state = subscribed ? 'on' : blocked ? 'blocked' : 'off';
  const statusKey: MessageKey = subscribed ? 'push.status_on' : blocked ? 'push.status_blocked' : 'push.status_off';
  return (
    <section class="card" data-testid="push-settings" data-support={support}>
      <h2>{t('push.title')}</h2>
      <p data-testid="push-status" data-state={subscribed === null ? 'loading' : state}>
        {subscribed === null ? t('push.checking') : t(statusKey)}
      </p>
      {problem && (
        <p class="error" role="alert" data-testid="push-problem" data-problem={problem}>
          {t(PROBLEM_TEXT[problem])}
        </p>
      )}
      {subscribed ? (
        <>
          <fieldset class="push-kinds" data-testid="push-kinds">
            <legend>{t('push.kinds')}</legend>
            {prefsFailed && <p class="muted">{t('push.kinds_unavailable')}</p>}
            {kindsFor(user.roles).map((kind) => (
              <label key={kind} class="check">
                <input
                  type="checkbox"
                  checked={prefs?.[kind] ?? true}
                  disabled={!prefs}
                  onChange={(e) => void toggle(kind, e.currentTarget.checked)}
                  data-testid={`push-kind-${kind}`}
                />{' '}
                {t(KIND_TEXT[kind])}
              </label>
            ))}
          </fieldset>
          <button type="button" class="btn btn-light-outline btn-block" onClick={() => void turnOff()} disabled={busy} data-testid="push-disable">
            {t('push.turn_off')}
          </button>
        </>
      ) : (
        <button type="button" class="btn btn-primary btn-block" onClick={() => void turnOn()} disabled={busy || subscribed === null} aria-busy={busy} data-testid="push-enable">
          {busy ? t('push.turning_on') : t('push.turn_on')}
        </button>
      )}
    </section>
  );
}
