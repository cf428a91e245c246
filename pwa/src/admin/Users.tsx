// 基础数据 · 账号: users with their roles, sites, phone and password (REST, online only).
import { useState } from 'preact/hooks';
import { t } from '../i18n';
import { online } from '../app/state';
import { roleName, ROLES } from '../app/roles';
import type { SiteRead, UserAdminRead } from '../app/api-types';
import { useLoad } from '../app/ui';
import { patch, post } from './rest';
import { AdminError } from './AdminError';
import { FieldError, Saved, useForm } from './form';

const USER_FIELDS = ['username', 'display_name', 'phone', 'password', 'roles', 'site_ids', 'active'] as const;

export function Users() {
  const { data, error, reload } = useLoad<UserAdminRead[]>('/api/users');
  const { data: sites } = useLoad<SiteRead[]>('/api/sites');
  const [editing, setEditing] = useState<number | 'new' | null>(null);
  // Said after the form closes: which account was saved.
  const [saved, setSaved] = useState<string | null>(null);
  const done = (text?: string) => {
    setEditing(null);
    setSaved(text ?? null);
    if (text) reload();
  };
  const edit = (which: number | 'new' | null) => {
    setSaved(null);
    setEditing(which);
  };
  return (
    <section class="card" data-testid="admin-users">
      <h2>{t('admin.users')}</h2>
      <AdminError text={error} />
      <Saved text={saved} />
      <button type="button" class="btn btn-primary btn-block" onClick={() => edit('new')} data-testid="admin-user-new">
        {t('admin.user_new')}
      </button>
      {editing === 'new' && <UserForm sites={sites ?? []} onDone={done} />}
      <ul class="rows">
        {(data ?? []).map((u) => (
          <li key={u.id} class="row" data-testid="admin-user-row" data-id={u.id}>
            <button type="button" class="btn-link" onClick={() => edit(editing === u.id ? null : u.id)}>
              {u.display_name} <span class="muted">({u.username})</span>
            </button>
            <span class="row-sub">
              {u.roles.map(roleName).join(' · ') || t('admin.no_roles')}
              {!u.active && ` · ${t('admin.disabled')}`}
              {' · '}
              {u.site_ids.map((id) => sites?.find((s) => s.id === id)?.name ?? `#${id}`).join('、')}
            </span>
            {editing === u.id && <UserForm user={u} sites={sites ?? []} onDone={done} />}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** `onDone(saved)`: closed, with what was saved (nothing when cancelled). */
function UserForm({ user, sites, onDone }: { user?: UserAdminRead; sites: SiteRead[]; onDone: (saved?: string) => void }) {
  const [v, setV] = useState({
    username: user?.username ?? '',
    display_name: user?.display_name ?? '',
    phone: user?.phone ?? '',
    password: '',
    roles: user?.roles ?? [],
    site_ids: user?.site_ids ?? [],
    active: user?.active ?? true,
  });
  const form = useForm();
  const toggle = <T,>(list: T[], x: T) => (list.includes(x) ? list.filter((y) => y !== x) : [...list, x]);
  async function save(e: Event) {
    e.preventDefault();
    if (!user && !form.required('username', v.username, t('admin.username'))) return;
    if (!form.required('display_name', v.display_name, t('admin.display_name'))) return;
    if (!user && !form.required('password', v.password, t('admin.password'))) return;
    if (v.password && v.password.length < 8) return void form.refuse('password', t('admin.password_short'));
    const name = v.display_name.trim();
    const ok = await form.run(async () => {
      if (user) {
        const body: Record<string, unknown> = { display_name: name, phone: v.phone, roles: v.roles, site_ids: v.site_ids, active: v.active };
        if (v.password) body.password = v.password;
        await patch(`/api/users/${user.id}`, body);
      } else {
        await post('/api/users', { username: v.username.trim(), display_name: name, phone: v.phone, password: v.password, roles: v.roles, site_ids: v.site_ids });
      }
    }, '');
    if (ok) onDone(t(user ? 'admin.user_saved' : 'admin.user_created', { name }));
  }
  const p = user ? `u${user.id}` : 'unew';
  return (
    <form class="form" onSubmit={save} noValidate data-testid="admin-user-form">
      {!user && (
        <>
          <label for={`${p}-name`}>{t('admin.username')}</label>
          <input id={`${p}-name`} required autoCapitalize="none" value={v.username} onInput={(e) => setV({ ...v, username: e.currentTarget.value })} data-testid="admin-user-username" />
          <FieldError field="username" text={form.errorFor('username')} />
        </>
      )}
      <label for={`${p}-dn`}>{t('admin.display_name')}</label>
      <input id={`${p}-dn`} required value={v.display_name} onInput={(e) => setV({ ...v, display_name: e.currentTarget.value })} data-testid="admin-user-display" />
      <FieldError field="display_name" text={form.errorFor('display_name')} />
      <label for={`${p}-ph`}>{t('admin.phone')}</label>
      <input id={`${p}-ph`} type="tel" value={v.phone} onInput={(e) => setV({ ...v, phone: e.currentTarget.value })} />
      <FieldError field="phone" text={form.errorFor('phone')} />
      <label for={`${p}-pw`}>{user ? t('admin.password_reset') : t('admin.password')}</label>
      <input id={`${p}-pw`} type="password" autoComplete="new-password" minLength={8} required={!user} value={v.password} onInput={(e) => setV({ ...v, password: e.currentTarget.value })} data-testid="admin-user-password" />
      <FieldError field="password" text={form.errorFor('password')} />
      <fieldset class="checks">
        <legend>{t('admin.roles')}</legend>
        {ROLES.map((r) => (
          <label key={r}>
            <input type="checkbox" checked={v.roles.includes(r)} onChange={() => setV({ ...v, roles: toggle(v.roles, r) })} data-testid={`admin-role-${r}`} /> {roleName(r)}
          </label>
        ))}
        <FieldError field="roles" text={form.errorFor('roles')} />
      </fieldset>
      <fieldset class="checks">
        <legend>{t('admin.sites')}</legend>
        {sites.map((s) => (
          <label key={s.id}>
            <input type="checkbox" checked={v.site_ids.includes(s.id)} onChange={() => setV({ ...v, site_ids: toggle(v.site_ids, s.id) })} data-testid={`admin-user-site-${s.id}`} /> {s.name}
          </label>
        ))}
        <FieldError field="site_ids" text={form.errorFor('site_ids')} />
      </fieldset>
      {user && (
        <div class="checks">
          <label>
            <input type="checkbox" checked={v.active} onChange={(e) => setV({ ...v, active: e.currentTarget.checked })} /> {t('admin.active')}
          </label>
        </div>
      )}
      <AdminError text={form.general(USER_FIELDS)} />
      <div class="actions">
        <button type="button" class="btn btn-light-outline" onClick={() => onDone()}>
          {t('common.cancel')}
        </button>
        <button type="submit" class="btn btn-primary" disabled={form.busy || !online.value} data-testid="admin-user-save">
          {t('common.save')}
        </button>
      </div>
    </form>
  );
}
