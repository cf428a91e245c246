// 基础数据 · 项目: the sites and, under each, its buildings (REST, online only).
import { useState } from 'preact/hooks';
import { t } from '../i18n';
import { errorText } from '../i18n/errors';
import { online } from '../app/state';
import type { BuildingRead, SiteRead } from '../app/api-types';
import { useLoad } from '../app/ui';
import { patch, post } from './rest';
import { AdminError } from './AdminError';

export function Sites() {
  const { data, error, reload } = useLoad<SiteRead[]>('/api/sites');
  const [form, setForm] = useState({ name: '', code: '', address: '' });
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  async function create(e: Event) {
    e.preventDefault();
    setBusy(true);
    setErr(null);
    try {
      await post('/api/sites', form);
      setForm({ name: '', code: '', address: '' });
      reload();
    } catch (x) {
      setErr(errorText(x));
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <section class="card" data-testid="admin-sites">
        <h2>{t('admin.sites')}</h2>
        <AdminError text={error} />
        <ul class="rows">
          {(data ?? []).map((s) => (
            <li key={s.id}>
              <SiteRow site={s} open={open === s.id} onToggle={() => setOpen(open === s.id ? null : s.id)} onSaved={reload} />
            </li>
          ))}
        </ul>
      </section>
      <form class="card form" onSubmit={create}>
        <h2>{t('admin.site_new')}</h2>
        <label for="s-name">{t('admin.site_name')}</label>
        <input id="s-name" required value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} data-testid="admin-site-name" />
        <label for="s-code">{t('admin.site_code')}</label>
        <input id="s-code" required pattern="[A-Za-z0-9_-]+" value={form.code} onInput={(e) => setForm({ ...form, code: e.currentTarget.value })} data-testid="admin-site-code" />
        <label for="s-addr">{t('admin.site_address')}</label>
        <input id="s-addr" value={form.address} onInput={(e) => setForm({ ...form, address: e.currentTarget.value })} />
        <AdminError text={err} />
        <button type="submit" class="btn btn-primary" disabled={busy || !online.value} data-testid="admin-site-create">
          {t('admin.create')}
        </button>
      </form>
    </>
  );
}

function SiteRow({ site, open, onToggle, onSaved }: { site: SiteRead; open: boolean; onToggle: () => void; onSaved: () => void }) {
  const [name, setName] = useState(site.name);
  const [address, setAddress] = useState(site.address);
  const [building, setBuilding] = useState('');
  const [err, setErr] = useState<string | null>(null);
  const { data: buildings, reload } = useLoad<BuildingRead[]>(open ? `/api/sites/${site.id}/buildings` : null);
  async function run(f: () => Promise<unknown>) {
    setErr(null);
    try {
      await f();
      onSaved();
      reload();
    } catch (x) {
      setErr(errorText(x));
    }
  }
  return (
    <div class="row">
      <button type="button" class="btn-link" onClick={onToggle} aria-expanded={open} data-testid="admin-site-row" data-id={site.id}>
        {site.name} <span class="muted">({site.code})</span>
      </button>
      {open && (
        <div class="form">
          <label for={`sn-${site.id}`}>{t('admin.site_name')}</label>
          <input id={`sn-${site.id}`} value={name} onInput={(e) => setName(e.currentTarget.value)} />
          <label for={`sa-${site.id}`}>{t('admin.site_address')}</label>
          <input id={`sa-${site.id}`} value={address} onInput={(e) => setAddress(e.currentTarget.value)} />
          <button type="button" class="btn btn-light-outline" onClick={() => void run(() => patch(`/api/sites/${site.id}`, { name, address }))}>
            {t('common.save')}
          </button>
          <h3 class="group-h">{t('admin.buildings')}</h3>
          <p>{(buildings ?? []).map((b) => b.name).join('、') || t('admin.none')}</p>
          <label for={`sb-${site.id}`}>{t('admin.building_new')}</label>
          <div class="inline-field">
            <input id={`sb-${site.id}`} value={building} onInput={(e) => setBuilding(e.currentTarget.value)} data-testid="admin-building-name" />
            <button
              type="button"
              class="btn btn-primary"
              disabled={building.trim() === ''}
              onClick={() => void run(async () => {
                await post(`/api/sites/${site.id}/buildings`, { name: building.trim() });
                setBuilding('');
              })}
              data-testid="admin-building-create"
            >
              {t('admin.add')}
            </button>
          </div>
          <AdminError text={err} />
        </div>
      )}
    </div>
  );
}
