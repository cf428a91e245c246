// 基础数据 · 项目: the sites and, under each, its buildings (REST, online only).
import { useState } from 'preact/hooks';
import { t } from '../i18n';
import { online } from '../app/state';
import type { BuildingRead, SiteRead } from '../app/api-types';
import { useLoad } from '../app/ui';
import { patch, post } from './rest';
import { AdminError } from './AdminError';
import { FieldError, Saved, useForm } from './form';

const SITE_FIELDS = ['name', 'code', 'address'] as const;
const CODE = /^[A-Za-z0-9_-]+$/;

export function Sites() {
  const { data, error, reload } = useLoad<SiteRead[]>('/api/sites');
  const [v, setV] = useState({ name: '', code: '', address: '' });
  const form = useForm();
  const [open, setOpen] = useState<number | null>(null);
  async function create(e: Event) {
    e.preventDefault();
    if (!form.required('name', v.name, t('admin.site_name')) || !form.required('code', v.code, t('admin.site_code'))) return;
    if (!CODE.test(v.code.trim())) return void form.refuse('code', t('admin.site_code_invalid'));
    const body = { name: v.name.trim(), code: v.code.trim(), address: v.address.trim() };
    if (await form.run(() => post('/api/sites', body), t('admin.site_created', { name: body.name }))) {
      setV({ name: '', code: '', address: '' });
      reload();
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
      <form class="card form" onSubmit={create} noValidate data-testid="admin-site-form">
        <h2>{t('admin.site_new')}</h2>
        <label for="s-name">{t('admin.site_name')}</label>
        <input id="s-name" required value={v.name} onInput={(e) => setV({ ...v, name: e.currentTarget.value })} aria-describedby="s-name-err" data-testid="admin-site-name" />
        <FieldError field="name" id="s-name-err" text={form.errorFor('name')} />
        <label for="s-code">{t('admin.site_code')}</label>
        <input id="s-code" required pattern="[A-Za-z0-9_-]+" value={v.code} onInput={(e) => setV({ ...v, code: e.currentTarget.value })} aria-describedby="s-code-err" data-testid="admin-site-code" />
        <FieldError field="code" id="s-code-err" text={form.errorFor('code')} />
        <label for="s-addr">{t('admin.site_address')}</label>
        <input id="s-addr" value={v.address} onInput={(e) => setV({ ...v, address: e.currentTarget.value })} aria-describedby="s-addr-err" />
        <FieldError field="address" id="s-addr-err" text={form.errorFor('address')} />
        <AdminError text={form.general(SITE_FIELDS)} />
        <Saved text={form.saved} />
        <button type="submit" class="btn btn-primary" disabled={form.busy || !online.value} data-testid="admin-site-create">
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
  const form = useForm();
  const { data: buildings, reload } = useLoad<BuildingRead[]>(open ? `/api/sites/${site.id}/buildings` : null);
  const p = `s${site.id}`;
  async function saveSite() {
    if (!form.required('name', name, t('admin.site_name'))) return;
    if (await form.run(() => patch(`/api/sites/${site.id}`, { name: name.trim(), address: address.trim() }), t('admin.saved'))) onSaved();
  }
  async function addBuilding() {
    if (!form.required('building', building, t('admin.building_new'))) return;
    const added = building.trim();
    const post_ = () => post(`/api/sites/${site.id}/buildings`, { name: added });
    if (await form.run(post_, t('admin.building_added', { name: added }), 'building')) {
      setBuilding('');
      reload();
    }
  }
  return (
    <div class="row">
      <button type="button" class="btn-link" onClick={onToggle} aria-expanded={open} data-testid="admin-site-row" data-id={site.id}>
        {site.name} <span class="muted">({site.code})</span>
      </button>
      {open && (
        <div class="form">
          <label for={`${p}-n`}>{t('admin.site_name')}</label>
          <input id={`${p}-n`} value={name} onInput={(e) => setName(e.currentTarget.value)} data-testid="admin-site-edit-name" />
          <FieldError field="name" text={form.errorFor('name')} />
          <label for={`${p}-a`}>{t('admin.site_address')}</label>
          <input id={`${p}-a`} value={address} onInput={(e) => setAddress(e.currentTarget.value)} />
          <FieldError field="address" text={form.errorFor('address')} />
          <button type="button" class="btn btn-light-outline" disabled={form.busy || !online.value} onClick={() => void saveSite()} data-testid="admin-site-save">
            {t('common.save')}
          </button>
          <h3 class="group-h">{t('admin.buildings')}</h3>
          <p>{(buildings ?? []).map((b) => b.name).join('、') || t('admin.none')}</p>
          <label for={`${p}-b`}>{t('admin.building_new')}</label>
          <div class="inline-field">
            <input id={`${p}-b`} value={building} onInput={(e) => setBuilding(e.currentTarget.value)} data-testid="admin-building-name" />
            <button type="button" class="btn btn-primary" disabled={form.busy || !online.value} onClick={() => void addBuilding()} data-testid="admin-building-create">
              {t('admin.add')}
            </button>
          </div>
          <FieldError field="building" text={form.errorFor('building')} />
          <AdminError text={form.general(['name', 'address', 'building'])} />
          <Saved text={form.saved} />
        </div>
      )}
    </div>
  );
}
