// 基础数据 · 账号: users with their roles, sites, phone and password (REST, online only).
import { useState } from 'preact/hooks';
import { t } from '../i18n';
import { errorText } from '../i18n/errors';
import { online } from '../app/state';
import { roleName, ROLES } from '../app/roles';
import type { SiteRead, UserAdminRead } from '../app/api-types';
import { useLoad } from '../app/ui';
import { patch, post } from './rest';
import { AdminError } from './AdminError';

export function Users() {
  const { data, error, reload } = useLoad<UserAdminRead[]>('/api/users');
  const { data: sites } = useLoad<SiteRead[]>('/api/sites');
  const [editing, setEditing] = useState<number | 'new' | null>(null);
  return (
    <section class="card" data-testid="admin-users">
      <h2>{t('admin.users')}</h2>
      <AdminError text={error} />
      <button type="button" class="btn btn-primary btn-block" onClick={() => setEditing('new')} data-testid="admin-user-new">
        {t('admin.user_new')}
      </button>
      {editing === 'new' && <UserForm sites={sites ?? []} onDone={() => { setEditing(null); reload(); }} />}
      <ul class="rows">
        {(data ?? []).map((u) => (
          <li key={u.id} class="row" data-testid="admin-user-row" data-id={u.id}>
            <button type="button" class="btn-link" onClick={() => setEditing(editing === u.id ? null : u.id)}>
              {u.display_name} <span class="muted">({u.username})</span>
            </button>
            <span class="row-sub">
              {u.roles.map(roleName).join(' · ') || t('admin.no_roles')}
              {!u.active && ` · ${t('admin.disabled')}`}
              {' · '}
              {u.site_ids.map((id) => sites?.find((s) => s.id === id)?.name ?? `#${id}`).join('、')}
            </span>
            {editing === u.id && <UserForm user={u} sites={sites ?? []} onDone={() => { setEditing(null); reload(); }} />}
          </li>
        ))}
      </ul>
    </section>
  );
}

function UserForm({ user, sites, onDone }: { user?: UserAdminRead; sites: SiteRead[]; onDone: () => void }) {
  const [v, setV] = useState({
    username: user?.username ?? '',
    display_name: user?.display_name ?? '',
    phone: user?.phone ?? '',
    password: '',
    roles: user?.roles ?? [],
    site_ids: user?.site_ids ?? [],
    active: user?.active ?? true,
  });
  const [err, setErr] = useState<string | null>(null);
  const toggle = <T,>(list: T[], x: T) => (list.includes(x) ? list.filter((y) => y !== x) : [...list, x]);
  async function save(e: Event) {
    e.preventDefault();
    setErr(null);
    try {
      if (user) {
        const body: Record<string, unknown> = { display_name: v.display_name, phone: v.phone, roles: v.roles, site_ids: v.site_ids, active: v.active };
        if (v.password) body.password = v.password;
        await patch(`/api/users/${user.id}`, body);
      } else {
        await post('/api/users', { username: v.username, display_name: v.display_name, phone: v.phone, password: v.password, roles: v.roles, site_ids: v.site_ids });
      }
      onDone();
    } catch (x) {
      setErr(errorText(x));
    }
  }
  const p = user ? `u${user.id}` : 'unew';
  return (
    <form class="form" onSubmit={save} data-testid="admin-user-form">
      {!user && (
        <>
          <label for={`${p}-name`}>{t('admin.username')}</label>
          <input id={`${p}-name`} required autoCapitalize="none" value={v.username} onInput={(e) => setV({ ...v, username: e.currentTarget.value })} data-testid="admin-user-username" />
        </>
      )}
      <label for={`${p}-dn`}>{t('admin.display_name')}</label>
      <input id={`${p}-dn`} required value={v.display_name} onInput={(e) => setV({ ...v, display_name: e.currentTarget.value })} data-testid="admin-user-display" />
      <label for={`${p}-ph`}>{t('admin.phone')}</label>
      <input id={`${p}-ph`} type="tel" value={v.phone} onInput={(e) => setV({ ...v, phone: e.currentTarget.value })} />
      <label for={`${p}-pw`}>{user ? t('admin.password_reset') : t('admin.password')}</label>
      <input id={`${p}-pw`} type="password" autoComplete="new-password" minLength={8} required={!user} value={v.password} onInput={(e) => setV({ ...v, password: e.currentTarget.value })} data-testid="admin-user-password" />
      <fieldset class="checks">
        <legend>{t('admin.roles')}</legend>
        {ROLES.map((r) => (
          <label key={r}>
            <input type="checkbox" checked={v.roles.includes(r)} onChange={() => setV({ ...v, roles: toggle(v.roles, r) })} data-testid={`admin-role-${r}`} /> {roleName(r)}
          </label>
        ))}
      </fieldset>
      <fieldset class="checks">
        <legend>{t('admin.sites')}</legend>
        {sites.map((s) => (
          <label key={s.id}>
            <input type="checkbox" checked={v.site_ids.includes(s.id)} onChange={() => setV({ ...v, site_ids: toggle(v.site_ids, s.id) })} data-testid={`admin-user-site-${s.id}`} /> {s.name}
          </label>
        ))}
      </fieldset>
      {user && (
        <div class="checks">
          <label>
            <input type="checkbox" checked={v.active} onChange={(e) => setV({ ...v, active: e.currentTarget.checked })} /> {t('admin.active')}
          </label>
        </div>
      )}
      <AdminError text={err} />
      <div class="actions">
        <button type="button" class="btn btn-light-outline" onClick={onDone}>
          {t('common.cancel')}
        </button>
        <button type="submit" class="btn btn-primary" disabled={!online.value} data-testid="admin-user-save">
          {t('common.save')}
        </button>
      </div>
    </form>
  );
}
