import { t } from '../i18n';
import { isRole, ROLES, type User } from '../model';
import { OfflineBadge } from './common';
import { ROLE_FEATURES } from './roles';
import { navigate, online } from './state';

export function roleName(role: string): string {
  return isRole(role) ? t(`role.${role}`) : role;
}

export function Home({ user }: { user: User }) {
  const roles = ROLES.filter((r) => user.roles.includes(r));
  return (
    <div class="screen">
      <header class="bar" data-testid="home-header">
        <h1 class="bar-title">{t('app.name')}</h1>
        <OfflineBadge />
        <button type="button" class="btn btn-bar" onClick={() => navigate('settings')} data-testid="open-settings">
          {t('home.settings')}
        </button>
      </header>
      <main class="content">
        {!online.value && <p class="notice">{t('net.offline_hint')}</p>}
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

        {roles.map((role) => (
          <section key={role} class="card" data-testid={`role-card-${role}`}>
            <h2>{t(`role.${role}`)}</h2>
            <ul class="features">
              {ROLE_FEATURES[role].map((f) => (
                <li key={f}>
                  <span>{t(f)}</span>
                  <span class="tag">{t('home.coming')}</span>
                </li>
              ))}
            </ul>
          </section>
        ))}
      </main>
    </div>
  );
}
