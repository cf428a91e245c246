import type { ComponentChildren, FunctionComponent } from 'preact';
import { signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { t } from '../i18n';
import { due, mine, sortFindings, toVerify } from '../findings/finding';
import { ROLE_FEATURES, roleName, ROLES } from './roles';
import type { User } from './api-types';
import { Link, Screen } from './common';
import { me, ready } from './data';
import { findings } from '../findings/store';
import { FindingRows } from '../findings/List';
import { today } from './format';
import { navigate, online, type RouteName } from './state';
import { UnreadBadge } from '../conflicts/Badge';
import { unreadCount } from '../conflicts/store';

const HOME_LIMIT = 10;

/** "Needs you now" (../home/Now.tsx): its own chunk with its texts, loaded when the home screen opens. */
const Now = signal<FunctionComponent<{ findings: { n: number; rows: ComponentChildren } }> | null>(null);
let loadingNow = false;
function loadNow(): void {
  if (Now.value || loadingNow) return;
  loadingNow = true;
  import('../home/Now').then(
    (m) => {
      Now.value = m.default;
    },
    () => {
      loadingNow = false; // offline before the service worker took over: again on the next visit
    },
  );
}

/** Features that are built: their card item opens them. */
const FEATURE_ROUTES: Partial<Record<string, RouteName>> = {
  'feature.vacant_patrol': 'patrols',
  'feature.keys': 'keys',
  'feature.review': 'review',
  'feature.master_data': 'admin',
  'feature.parking_shift': 'parking',
  'feature.permits': 'permits',
  'feature.permit_scan': 'permit-scan',
  'feature.vendor_inspection': 'inspections',
  'feature.vendor_evaluation': 'vendors',
  'feature.audit_log': 'audit',
  'feature.reports': 'reports',
};

export function Home({ user }: { user: User }) {
  const roles = ROLES.filter((r) => user.roles.includes(r));
  const all = findings.value;
  const list = sortFindings(all);
  useEffect(loadNow, []);
  const NowPart = Now.value;
  const open = mine(list, me.value).slice(0, HOME_LIMIT);
  return (
    <Screen
      title={t('app.name')}
      headerTestId="home-header"
      actions={
        <button type="button" class="btn btn-bar" onClick={() => navigate('settings')} data-testid="open-settings">
          {t('home.settings')}
        </button>
      }
    >
      {!online.value && <p class="notice">{t('net.offline_hint')}</p>}
      {unreadCount.value > 0 && (
        <button type="button" class="notice btn-block" onClick={() => navigate('sync')} data-testid="home-conflicts">
          {t('sync.conflicts_unread', { n: unreadCount.value })} <UnreadBadge n={unreadCount.value} testid="conflicts-badge-home" />
        </button>
      )}
      {NowPart ? (
        <NowPart findings={{ n: open.length, rows: <FindingRows list={open} empty="" /> }} />
      ) : (
        <p class="muted" role="status">
          {t('common.loading')}
        </p>
      )}
      <section class="profile" aria-label={t('home.roles')}>
        <p class="user-name" data-testid="user-name">
          {user.display_name}
        </p>
        <p class="user-roles" data-testid="user-roles">
          {user.roles.length ? user.roles.map(roleName).join(' · ') : t('home.no_roles')}
        </p>
      </section>

      <section>
        <h2>{t('home.sites')}</h2>
        {user.sites.length ? (
          <ul class="sites" data-testid="site-list">
            {user.sites.map((s) => (
              <li key={s.id}>{s.name}</li>
            ))}
          </ul>
        ) : (
          <p class="muted">{t('home.no_sites')}</p>
        )}
      </section>

      {roles.includes('patrol') && (
        <section class="card" data-testid="home-due">
          <h2>{t('home.due')}</h2>
          <FindingRows list={due(list, today()).slice(0, HOME_LIMIT)} empty={ready.value ? t('home.none_due') : t('common.loading')} />
        </section>
      )}
      {roles.includes('supervisor') && (
        <section class="card" data-testid="home-verify">
          <h2>{t('home.to_verify')}</h2>
          <FindingRows list={toVerify(list).slice(0, HOME_LIMIT)} empty={ready.value ? t('home.none_verify') : t('common.loading')} />
        </section>
      )}

      {roles.map((role) => (
        <section key={role} class="card" data-testid={`role-card-${role}`}>
          <h2>{t(`role.${role}`)}</h2>
          <ul class="features">
            {ROLE_FEATURES[role].map((f) => (
              <li key={f}>
                <span>{t(f)}</span>
                {FEATURE_ROUTES[f] ? (
                  <Link to={FEATURE_ROUTES[f]!} class="tag tag-link" testid={`home-open-${FEATURE_ROUTES[f]}`}>
                    {t('home.open_feature')}
                  </Link>
                ) : (
                  <span class="tag">{t('home.coming')}</span>
                )}
              </li>
            ))}
          </ul>
        </section>
      ))}
    </Screen>
  );
}
