// 基础数据 (the admin desk): sites and buildings, units (with the CSV import
// preview and the export), users with their roles and sites, checklist
// versions, and keys (registration and QR labels; supervisors too). Master
// data over REST needs the network; checklists and keys are sync records and
// save offline too.
import '../app/ui.css';
import { useEffect, useState } from 'preact/hooks';
import type { NewPhoto } from '../db/local';
import { errorText } from '../i18n/errors';
import { Screen } from '../app/common';
import { PhotoPicker } from '../photos/Photos';
import { navigate, online } from '../app/state';
import { roleName } from '../app/Home';
import { ROLES } from '../app/roles';
import type { User } from '../app/api-types';
import { mutate } from '../app/data';
import { KINDS, type Key } from '../keys/key';
import { keyKindText, keyStatusText } from '../keys/labels';
import type { OpsProps } from '../ops/Lazy';
import { keys, templates, units as cachedUnits } from '../ops/store';
import { NAMES as PATROL, currentTemplate, unitLabel, type ChecklistItem } from '../patrols/patrol';
import { uuid } from '../sync/hlc';
import type { Args } from '../sync/wire';
import { ta } from './i18n';
import { get, ImportRefused, importUnits, patch, post, previewRows, type ImportResult, type RowError } from './rest';

type Section = 'sites' | 'units' | 'users' | 'checklists' | 'keys';
const ADMIN_SECTIONS: Section[] = ['sites', 'units', 'users', 'checklists', 'keys'];

export function AdminScreen({ user, route }: OpsProps) {
  const isAdmin = user.roles.includes('admin');
  const isKeeper = isAdmin || user.roles.includes('supervisor');
  const sections = isAdmin ? ADMIN_SECTIONS : isKeeper ? (['keys'] as Section[]) : [];
  const raw = route.name === 'admin' ? route.section ?? '' : '';
  const [name, arg] = raw.split(':') as [string, string | undefined];
  const section: Section | null = (sections as string[]).includes(name) ? (name as Section) : sections[0] ?? null;
  return (
    <Screen title={ta('admin.title')}>
      {section === null ? (
        <p class="notice" data-testid="admin-forbidden">
          {ta('admin.forbidden')}
        </p>
      ) : (
        <>
          {sections.length > 1 && (
            <nav class="admin-nav segmented" aria-label={ta('admin.title')}>
              {sections.map((s) => (
                <button
                  key={s}
                  type="button"
                  class={s === section ? 'seg seg-on' : 'seg'}
                  aria-pressed={s === section}
                  onClick={() => navigate({ name: 'admin', section: s }, true)}
                  data-testid={`admin-nav-${s}`}
                >
                  {ta(`admin.section.${s}`)}
                </button>
              ))}
            </nav>
          )}
          {!online.value && section !== 'keys' && section !== 'checklists' && <p class="notice">{ta('admin.offline')}</p>}
          {section === 'sites' && <Sites />}
          {section === 'units' && <Units user={user} />}
          {section === 'users' && <Users />}
          {section === 'checklists' && <Checklists user={user} />}
          {section === 'keys' && <Keys user={user} editId={arg} />}
        </>
      )}
    </Screen>
  );
}

// ---- shared --------------------------------------------------------------------

function useLoad<T>(path: string | null, deps: unknown[] = []): { data: T | null; error: string | null; reload: () => void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [n, setN] = useState(0);
  useEffect(() => {
    if (!path) return;
    let live = true;
    setError(null);
    get<T>(path).then(
      (d) => live && setData(d),
      (e: unknown) => live && setError(errorText(e)),
    );
    return () => {
      live = false;
    };
  }, [path, n, ...deps]);
  return { data, error, reload: () => setN((x) => x + 1) };
}

function Err({ text }: { text: string | null }) {
  return text ? (
    <p class="error" role="alert" data-testid="admin-error">
      {text}
    </p>
  ) : null;
}

function SitePicker({ user, value, onChange, id = 'a-site' }: { user: User; value: string; onChange: (v: string) => void; id?: string }) {
  return (
    <>
      <label for={id}>{ta('admin.site')}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.currentTarget.value)} data-testid="admin-site">
        {user.sites.map((s) => (
          <option key={s.id} value={s.id}>
            {s.name}
          </option>
        ))}
      </select>
    </>
  );
}

interface SiteRead {
  id: number;
  name: string;
  code: string;
  address: string;
  timezone: string;
}
interface BuildingRead {
  id: number;
  site_id: number;
  name: string;
}
interface UnitRead {
  id: number;
  building_id: number;
  building_name: string;
  entrance: string;
  number: string;
  area_m2: number | null;
  vacant: boolean;
  vacant_since: string | null;
  patrol_interval_days: number;
}

// ---- sites and buildings -----------------------------------------------------------

function Sites() {
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
        <h2>{ta('admin.sites')}</h2>
        <Err text={error} />
        <ul class="rows">
          {(data ?? []).map((s) => (
            <li key={s.id}>
              <SiteRow site={s} open={open === s.id} onToggle={() => setOpen(open === s.id ? null : s.id)} onSaved={reload} />
            </li>
          ))}
        </ul>
      </section>
      <form class="card form" onSubmit={create}>
        <h2>{ta('admin.site_new')}</h2>
        <label for="s-name">{ta('admin.site_name')}</label>
        <input id="s-name" required value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} data-testid="admin-site-name" />
        <label for="s-code">{ta('admin.site_code')}</label>
        <input id="s-code" required pattern="[A-Za-z0-9_-]+" value={form.code} onInput={(e) => setForm({ ...form, code: e.currentTarget.value })} data-testid="admin-site-code" />
        <label for="s-addr">{ta('admin.site_address')}</label>
        <input id="s-addr" value={form.address} onInput={(e) => setForm({ ...form, address: e.currentTarget.value })} />
        <Err text={err} />
        <button type="submit" class="btn btn-primary" disabled={busy || !online.value} data-testid="admin-site-create">
          {ta('admin.create')}
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
          <label for={`sn-${site.id}`}>{ta('admin.site_name')}</label>
          <input id={`sn-${site.id}`} value={name} onInput={(e) => setName(e.currentTarget.value)} />
          <label for={`sa-${site.id}`}>{ta('admin.site_address')}</label>
          <input id={`sa-${site.id}`} value={address} onInput={(e) => setAddress(e.currentTarget.value)} />
          <button type="button" class="btn btn-light-outline" onClick={() => void run(() => patch(`/api/sites/${site.id}`, { name, address }))}>
            {ta('admin.save')}
          </button>
          <h3 class="group-h">{ta('admin.buildings')}</h3>
          <p>{(buildings ?? []).map((b) => b.name).join('、') || ta('admin.none')}</p>
          <label for={`sb-${site.id}`}>{ta('admin.building_new')}</label>
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
              {ta('admin.add')}
            </button>
          </div>
          <Err text={err} />
        </div>
      )}
    </div>
  );
}

// ---- units ---------------------------------------------------------------------

function Units({ user }: { user: User }) {
  const [site, setSite] = useState(user.sites[0]?.id ?? '');
  const { data, error, reload } = useLoad<UnitRead[]>(site ? `/api/sites/${site}/units` : null);
  const { data: buildings } = useLoad<BuildingRead[]>(site ? `/api/sites/${site}/buildings` : null, [data]);
  const [filter, setFilter] = useState('');
  const [editing, setEditing] = useState<number | null>(null);
  const needle = filter.trim();
  const list = (data ?? []).filter((u) => needle === '' || unitLabel(u).includes(needle));
  return (
    <>
      <section class="card form" data-testid="admin-units">
        <h2>{ta('admin.units')}</h2>
        <SitePicker user={user} value={site} onChange={setSite} />
        <label for="u-q">{ta('admin.search')}</label>
        <input id="u-q" type="search" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
        <Err text={error} />
        <p class="muted hint">{ta('admin.units_count', { n: data?.length ?? 0, vacant: (data ?? []).filter((u) => u.vacant).length })}</p>
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th>{ta('admin.unit')}</th>
                <th>{ta('admin.vacant')}</th>
                <th>{ta('admin.interval')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.slice(0, 200).map((u) =>
                editing === u.id ? (
                  <tr key={u.id}>
                    <td colSpan={4}>
                      <UnitEdit unit={u} onDone={() => {
                        setEditing(null);
                        reload();
                      }} />
                    </td>
                  </tr>
                ) : (
                  <tr key={u.id} data-testid="admin-unit-row" data-id={u.id}>
                    <td>{unitLabel(u)}</td>
                    <td>{u.vacant ? `${ta('admin.yes')} ${u.vacant_since ?? ''}` : ta('admin.no')}</td>
                    <td>{u.patrol_interval_days}</td>
                    <td>
                      <button type="button" class="btn-link" onClick={() => setEditing(u.id)}>
                        {ta('admin.edit')}
                      </button>
                    </td>
                  </tr>
                ),
              )}
            </tbody>
          </table>
        </div>
        {site && (
          <a class="btn btn-light-outline link-btn" href={`/api/sites/${site}/units.csv`} download data-testid="admin-units-export">
            {ta('admin.export_csv')}
          </a>
        )}
      </section>
      {site && <UnitNew buildings={buildings ?? []} onDone={reload} />}
      {site && <CsvImport siteId={Number(site)} onDone={reload} />}
    </>
  );
}

function UnitEdit({ unit, onDone }: { unit: UnitRead; onDone: () => void }) {
  const [v, setV] = useState({ vacant: unit.vacant, vacant_since: unit.vacant_since ?? '', interval: String(unit.patrol_interval_days), number: unit.number, entrance: unit.entrance });
  const [err, setErr] = useState<string | null>(null);
  async function save() {
    setErr(null);
    try {
      const body: Record<string, unknown> = { vacant: v.vacant, patrol_interval_days: Number(v.interval), number: v.number, entrance: v.entrance };
      if (v.vacant_since) body.vacant_since = v.vacant_since;
      await patch(`/api/units/${unit.id}`, body);
      onDone();
    } catch (x) {
      setErr(errorText(x));
    }
  }
  return (
    <div class="form" data-testid="admin-unit-edit">
      <strong>{unitLabel(unit)}</strong>
      <label for="ue-entr">{ta('admin.entrance')}</label>
      <input id="ue-entr" value={v.entrance} onInput={(e) => setV({ ...v, entrance: e.currentTarget.value })} />
      <label for="ue-num">{ta('admin.number')}</label>
      <input id="ue-num" value={v.number} onInput={(e) => setV({ ...v, number: e.currentTarget.value })} />
      <div class="checks">
        <label>
          <input type="checkbox" checked={v.vacant} onChange={(e) => setV({ ...v, vacant: e.currentTarget.checked })} /> {ta('admin.vacant')}
        </label>
      </div>
      <label for="ue-since">{ta('admin.vacant_since')}</label>
      <input id="ue-since" type="date" value={v.vacant_since} onInput={(e) => setV({ ...v, vacant_since: e.currentTarget.value })} />
      <label for="ue-int">{ta('admin.interval')}</label>
      <input id="ue-int" type="number" min={1} max={365} value={v.interval} onInput={(e) => setV({ ...v, interval: e.currentTarget.value })} />
      <Err text={err} />
      <div class="actions">
        <button type="button" class="btn btn-light-outline" onClick={onDone}>
          {ta('admin.cancel')}
        </button>
        <button type="button" class="btn btn-primary" onClick={() => void save()}>
          {ta('admin.save')}
        </button>
      </div>
    </div>
  );
}

function UnitNew({ buildings, onDone }: { buildings: BuildingRead[]; onDone: () => void }) {
  const [v, setV] = useState({ building: '', entrance: '', number: '', area: '', vacant: true, since: '', interval: '7' });
  const [err, setErr] = useState<string | null>(null);
  async function create(e: Event) {
    e.preventDefault();
    setErr(null);
    try {
      const body: Record<string, unknown> = { number: v.number, entrance: v.entrance, vacant: v.vacant, patrol_interval_days: Number(v.interval) };
      if (v.area) body.area_m2 = Number(v.area);
      if (v.since) body.vacant_since = v.since;
      await post(`/api/buildings/${v.building}/units`, body);
      setV({ ...v, number: '', area: '' });
      onDone();
    } catch (x) {
      setErr(errorText(x));
    }
  }
  return (
    <form class="card form" onSubmit={create}>
      <h2>{ta('admin.unit_new')}</h2>
      <label for="un-b">{ta('admin.building')}</label>
      <select id="un-b" required value={v.building} onChange={(e) => setV({ ...v, building: e.currentTarget.value })}>
        <option value="">{ta('admin.choose')}</option>
        {buildings.map((b) => (
          <option key={b.id} value={String(b.id)}>
            {b.name}
          </option>
        ))}
      </select>
      <label for="un-e">{ta('admin.entrance')}</label>
      <input id="un-e" value={v.entrance} onInput={(e) => setV({ ...v, entrance: e.currentTarget.value })} />
      <label for="un-n">{ta('admin.number')}</label>
      <input id="un-n" required value={v.number} onInput={(e) => setV({ ...v, number: e.currentTarget.value })} />
      <label for="un-a">{ta('admin.area')}</label>
      <input id="un-a" inputMode="decimal" value={v.area} onInput={(e) => setV({ ...v, area: e.currentTarget.value })} />
      <div class="checks">
        <label>
          <input type="checkbox" checked={v.vacant} onChange={(e) => setV({ ...v, vacant: e.currentTarget.checked })} /> {ta('admin.vacant')}
        </label>
      </div>
      <label for="un-s">{ta('admin.vacant_since')}</label>
      <input id="un-s" type="date" value={v.since} onInput={(e) => setV({ ...v, since: e.currentTarget.value })} />
      <label for="un-i">{ta('admin.interval')}</label>
      <input id="un-i" type="number" min={1} max={365} value={v.interval} onInput={(e) => setV({ ...v, interval: e.currentTarget.value })} />
      <Err text={err} />
      <button type="submit" class="btn btn-primary" disabled={!online.value || v.building === ''}>
        {ta('admin.create')}
      </button>
    </form>
  );
}

function CsvImport({ siteId, onDone }: { siteId: number; onDone: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [rows, setRows] = useState<string[][]>([]);
  const [preview, setPreview] = useState<ImportResult | null>(null);
  const [errors, setErrors] = useState<RowError[]>([]);
  const [err, setErr] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function pick(f: File | null) {
    setFile(f);
    setPreview(null);
    setErrors([]);
    setErr(null);
    setDone(null);
    if (!f) return;
    setRows(await previewRows(f).catch(() => []));
    setBusy(true);
    try {
      const r = await importUnits(siteId, f, true);
      setPreview(r);
      setErrors(r.errors);
    } catch (x) {
      setErr(errorText(x));
    } finally {
      setBusy(false);
    }
  }
  async function run() {
    if (!file) return;
    setBusy(true);
    setErr(null);
    try {
      const r = await importUnits(siteId, file, false);
      setDone(ta('admin.imported', { n: r.imported }));
      setPreview(null);
      setFile(null);
      onDone();
    } catch (x) {
      setErr(errorText(x));
      if (x instanceof ImportRefused) setErrors(x.errors);
    } finally {
      setBusy(false);
    }
  }
  const errLines = new Set(errors.map((e) => e.line));
  return (
    <section class="card form" data-testid="admin-csv">
      <h2>{ta('admin.csv_import')}</h2>
      <p class="muted hint">{ta('admin.csv_hint')}</p>
      <label for="csv-file">{ta('admin.csv_file')}</label>
      <input id="csv-file" type="file" accept=".csv,text/csv" disabled={!online.value} onChange={(e) => void pick(e.currentTarget.files?.[0] ?? null)} data-testid="admin-csv-file" />
      {rows.length > 0 && (
        <div class="table-wrap">
          <table class="table" data-testid="admin-csv-rows">
            <tbody>
              {rows.map((r, i) => (
                <tr key={i} class={errLines.has(i + 1) ? 'check-fail' : undefined}>
                  <td class="muted">{i + 1}</td>
                  {r.map((c, j) => (i === 0 ? <th key={j}>{c}</th> : <td key={j}>{c}</td>))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {preview && (
        <p data-testid="admin-csv-summary">
          {ta('admin.csv_summary', { rows: preview.rows, encoding: preview.encoding.toUpperCase(), errors: preview.errors.length })}
          {preview.new_buildings.length > 0 && (
            <>
              <br />
              {ta('admin.csv_new_buildings', { names: preview.new_buildings.join('、') })}
            </>
          )}
        </p>
      )}
      {errors.length > 0 && (
        <ul class="plain-list" data-testid="admin-csv-errors">
          {errors.map((e, i) => (
            <li key={i} class="error">
              {ta('admin.csv_row_error', { line: e.line, column: e.column || '—', message: csvErrorText(e) })}
            </li>
          ))}
        </ul>
      )}
      <Err text={err} />
      {done && (
        <p class="muted" role="status" data-testid="admin-csv-done">
          {done}
        </p>
      )}
      <button type="button" class="btn btn-primary" disabled={busy || !preview || errors.length > 0 || preview.rows === 0} onClick={() => void run()} data-testid="admin-csv-import">
        {ta('admin.csv_run', { n: preview?.rows ?? 0 })}
      </button>
    </section>
  );
}

function csvErrorText(e: RowError): string {
  const known: Record<string, string> = {
    required: ta('admin.csv.required'),
    too_long: ta('admin.csv.too_long'),
    bad_area: ta('admin.csv.bad_area'),
    bad_status: ta('admin.csv.bad_status'),
    duplicate_in_file: ta('admin.csv.duplicate_in_file'),
    unit_exists: ta('admin.csv.unit_exists'),
    csv_encoding: ta('admin.csv.csv_encoding'),
  };
  return `${known[e.code] ?? e.code}${e.message ? ` (${e.message})` : ''}`;
}

// ---- users ---------------------------------------------------------------------

interface UserRead {
  id: number;
  username: string;
  display_name: string;
  phone: string;
  active: boolean;
  roles: string[];
  site_ids: number[];
}

function Users() {
  const { data, error, reload } = useLoad<UserRead[]>('/api/users');
  const { data: sites } = useLoad<SiteRead[]>('/api/sites');
  const [editing, setEditing] = useState<number | 'new' | null>(null);
  return (
    <section class="card" data-testid="admin-users">
      <h2>{ta('admin.users')}</h2>
      <Err text={error} />
      <button type="button" class="btn btn-primary btn-block" onClick={() => setEditing('new')} data-testid="admin-user-new">
        {ta('admin.user_new')}
      </button>
      {editing === 'new' && <UserForm sites={sites ?? []} onDone={() => { setEditing(null); reload(); }} />}
      <ul class="rows">
        {(data ?? []).map((u) => (
          <li key={u.id} class="row" data-testid="admin-user-row" data-id={u.id}>
            <button type="button" class="btn-link" onClick={() => setEditing(editing === u.id ? null : u.id)}>
              {u.display_name} <span class="muted">({u.username})</span>
            </button>
            <span class="row-sub">
              {u.roles.map(roleName).join(' · ') || ta('admin.no_roles')}
              {!u.active && ` · ${ta('admin.disabled')}`}
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

function UserForm({ user, sites, onDone }: { user?: UserRead; sites: SiteRead[]; onDone: () => void }) {
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
          <label for={`${p}-name`}>{ta('admin.username')}</label>
          <input id={`${p}-name`} required autoCapitalize="none" value={v.username} onInput={(e) => setV({ ...v, username: e.currentTarget.value })} data-testid="admin-user-username" />
        </>
      )}
      <label for={`${p}-dn`}>{ta('admin.display_name')}</label>
      <input id={`${p}-dn`} required value={v.display_name} onInput={(e) => setV({ ...v, display_name: e.currentTarget.value })} data-testid="admin-user-display" />
      <label for={`${p}-ph`}>{ta('admin.phone')}</label>
      <input id={`${p}-ph`} type="tel" value={v.phone} onInput={(e) => setV({ ...v, phone: e.currentTarget.value })} />
      <label for={`${p}-pw`}>{user ? ta('admin.password_reset') : ta('admin.password')}</label>
      <input id={`${p}-pw`} type="password" autoComplete="new-password" minLength={8} required={!user} value={v.password} onInput={(e) => setV({ ...v, password: e.currentTarget.value })} data-testid="admin-user-password" />
      <fieldset class="checks">
        <legend>{ta('admin.roles')}</legend>
        {ROLES.map((r) => (
          <label key={r}>
            <input type="checkbox" checked={v.roles.includes(r)} onChange={() => setV({ ...v, roles: toggle(v.roles, r) })} data-testid={`admin-role-${r}`} /> {roleName(r)}
          </label>
        ))}
      </fieldset>
      <fieldset class="checks">
        <legend>{ta('admin.sites')}</legend>
        {sites.map((s) => (
          <label key={s.id}>
            <input type="checkbox" checked={v.site_ids.includes(s.id)} onChange={() => setV({ ...v, site_ids: toggle(v.site_ids, s.id) })} data-testid={`admin-user-site-${s.id}`} /> {s.name}
          </label>
        ))}
      </fieldset>
      {user && (
        <div class="checks">
          <label>
            <input type="checkbox" checked={v.active} onChange={(e) => setV({ ...v, active: e.currentTarget.checked })} /> {ta('admin.active')}
          </label>
        </div>
      )}
      <Err text={err} />
      <div class="actions">
        <button type="button" class="btn btn-light-outline" onClick={onDone}>
          {ta('admin.cancel')}
        </button>
        <button type="submit" class="btn btn-primary" disabled={!online.value} data-testid="admin-user-save">
          {ta('admin.save')}
        </button>
      </div>
    </form>
  );
}

// ---- checklist versions ----------------------------------------------------------

function Checklists({ user }: { user: User }) {
  const [site, setSite] = useState(user.sites[0]?.id ?? '');
  const siteId = Number(site);
  const versions = templates.value.filter((t) => t.site_id === siteId).sort((a, b) => b.version - a.version);
  const current = currentTemplate(templates.value, siteId);
  const [items, setItems] = useState<ChecklistItem[] | null>(null);
  const [name, setName] = useState('');
  const [err, setErr] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const editing = items ?? current?.items ?? [];
  function edit(i: number, patchItem: Partial<ChecklistItem>) {
    setItems(editing.map((x, j) => (i === j ? { ...x, ...patchItem } : x)));
  }
  async function save() {
    setErr(null);
    const keysSeen = new Set<string>();
    for (const it of editing) {
      if (!it.key.trim() || !it.zh.trim() || !it.en.trim() || keysSeen.has(it.key)) {
        setErr(ta('admin.checklist_invalid'));
        return;
      }
      keysSeen.add(it.key);
    }
    const version = Math.max(0, ...versions.map((t) => t.version)) + 1;
    const id = `site-${siteId}-v${version}`;
    const args: Args = { id, site_id: siteId, version, name: name.trim() || current?.name || ta('admin.checklist'), items: editing.map((i) => ({ key: i.key.trim(), zh: i.zh.trim(), en: i.en.trim() })) };
    try {
      await mutate({ name: PATROL.templateUpsert, args, collection: 'patrol_templates', record_id: id });
      setItems(null);
      setDone(ta('admin.checklist_saved', { version }));
    } catch (x) {
      setErr(errorText(x));
    }
  }
  return (
    <section class="card form" data-testid="admin-checklists">
      <h2>{ta('admin.checklists')}</h2>
      <SitePicker user={user} value={site} onChange={(v) => { setSite(v); setItems(null); }} />
      <p class="muted hint">{ta('admin.checklist_versions', { list: versions.map((t) => `v${t.version}`).join(', ') || ta('admin.none') })}</p>
      <p class="muted hint">{ta('admin.checklist_hint')}</p>
      <label for="cl-name">{ta('admin.checklist_name')}</label>
      <input id="cl-name" value={name} placeholder={current?.name ?? ''} onInput={(e) => setName(e.currentTarget.value)} />
      {editing.map((it, i) => (
        <div key={i} class="item-edit" data-testid="admin-checklist-item">
          <label for={`ck-${i}`}>{ta('admin.item_key')}</label>
          <input id={`ck-${i}`} value={it.key} onInput={(e) => edit(i, { key: e.currentTarget.value })} />
          <label for={`cz-${i}`}>{ta('admin.item_zh')}</label>
          <input id={`cz-${i}`} value={it.zh} onInput={(e) => edit(i, { zh: e.currentTarget.value })} />
          <label for={`ce-${i}`}>{ta('admin.item_en')}</label>
          <input id={`ce-${i}`} value={it.en} onInput={(e) => edit(i, { en: e.currentTarget.value })} />
          <button type="button" class="btn btn-light-outline" onClick={() => setItems(editing.filter((_, j) => j !== i))}>
            {ta('admin.remove')}
          </button>
        </div>
      ))}
      <button type="button" class="btn btn-light-outline" onClick={() => setItems([...editing, { key: `item${editing.length + 1}`, zh: '', en: '' }])} data-testid="admin-checklist-add">
        {ta('admin.item_add')}
      </button>
      <Err text={err} />
      {done && <p class="muted" role="status">{done}</p>}
      <button type="button" class="btn btn-primary" disabled={items === null || editing.length === 0} onClick={() => void save()} data-testid="admin-checklist-save">
        {ta('admin.checklist_save')}
      </button>
    </section>
  );
}

// ---- keys: registration and labels --------------------------------------------------

function Keys({ user, editId }: { user: User; editId?: string }) {
  const [site, setSite] = useState(() => {
    const k = editId ? keys.value.find((x) => x.id === editId) : null;
    return k?.site_id ? String(k.site_id) : user.sites[0]?.id ?? '';
  });
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [editing, setEditing] = useState<string | 'new' | null>(editId ?? null);
  const list = keys.value.filter((k) => String(k.site_id) === site).sort((a, b) => a.code.localeCompare(b.code));
  const printable = list.filter((k) => selected.has(k.id) && k.qr_token);
  function print() {
    window.open(`/api/keys/labels.pdf?ids=${printable.map((k) => encodeURIComponent(k.id)).join(',')}`, '_blank', 'noopener');
  }
  const current = editing && editing !== 'new' ? keys.value.find((k) => k.id === editing) ?? null : null;
  return (
    <>
      <section class="card form" data-testid="admin-keys">
        <h2>{ta('admin.keys')}</h2>
        <SitePicker user={user} value={site} onChange={setSite} />
        <button type="button" class="btn btn-primary" onClick={() => setEditing('new')} data-testid="admin-key-new">
          {ta('admin.key_new')}
        </button>
        <ul class="plain-list">
          {list.map((k) => (
            <li key={k.id} class="row" data-testid="admin-key-row" data-id={k.id}>
              <div class="checks">
                <label>
                  <input
                    type="checkbox"
                    checked={selected.has(k.id)}
                    disabled={!k.qr_token}
                    onChange={() => setSelected((s) => {
                      const n = new Set(s);
                      if (n.has(k.id)) n.delete(k.id);
                      else n.add(k.id);
                      return n;
                    })}
                    data-testid="admin-key-select"
                  />
                  <strong>{k.code}</strong> · {keyKindText(k.kind)} · {keyStatusText(k.status)}
                </label>
              </div>
              <span class="row-sub">{k.label || unitName(k.unit_id)}{!k.qr_token && ` · ${ta('admin.key_not_synced')}`}</span>
              <button type="button" class="btn-link" onClick={() => setEditing(k.id)}>
                {ta('admin.edit')}
              </button>
            </li>
          ))}
        </ul>
        <div class="actions">
          <button type="button" class="btn btn-light-outline" onClick={() => setSelected(new Set(list.filter((k) => k.qr_token).map((k) => k.id)))}>
            {ta('admin.select_all')}
          </button>
          <button type="button" class="btn btn-primary" disabled={printable.length === 0 || !online.value} onClick={print} data-testid="admin-key-print">
            {ta('admin.print_labels', { n: printable.length })}
          </button>
        </div>
      </section>
      {editing !== null && (
        <KeyForm key={editing} siteId={Number(site)} existing={current} onDone={() => setEditing(null)} />
      )}
    </>
  );
}

function unitName(id: number | null): string {
  const u = cachedUnits.value.list.find((x) => x.id === id);
  return u ? unitLabel(u) : id === null ? '' : `#${id}`;
}

const KEY_FIELDS = ['code', 'kind', 'unit_id', 'label', 'storage_place', 'owner_name', 'owner_phone', 'authorized_people', 'authorization_until', 'note'] as const;

function KeyForm({ siteId, existing, onDone }: { siteId: number; existing: Key | null; onDone: () => void }) {
  const init = {
    code: existing?.code ?? '',
    kind: existing?.kind ?? 'vacant',
    unit_id: existing?.unit_id ?? null,
    label: existing?.label ?? '',
    storage_place: existing?.storage_place ?? '',
    owner_name: existing?.owner_name ?? '',
    owner_phone: existing?.owner_phone ?? '',
    authorized_people: existing?.authorized_people ?? '',
    authorization_until: existing?.authorization_until ?? null,
    note: existing?.note ?? '',
  };
  const [v, setV] = useState(init);
  const [photos, setPhotos] = useState<string[]>(existing?.authorization_photos ?? []);
  const [added, setAdded] = useState<ReadonlyMap<string, NewPhoto>>(new Map());
  const [busy, setBusy] = useState(0);
  const [err, setErr] = useState<string | null>(null);
  const siteUnits = cachedUnits.value.list.filter((u) => u.site_id === siteId);
  const { data: allUnits } = useLoad<UnitRead[]>(online.value ? `/api/sites/${siteId}/units` : null);
  const unitOptions = allUnits ?? siteUnits;
  async function save(e: Event) {
    e.preventDefault();
    setErr(null);
    if (v.code.trim() === '') {
      setErr(ta('admin.key_code_required'));
      return;
    }
    const id = existing?.id ?? uuid();
    const args: Args = { id };
    if (!existing) args.site_id = siteId;
    for (const f of KEY_FIELDS) {
      const val = f === 'code' ? v.code.trim() : v[f];
      if (!existing || val !== init[f]) args[f] = val;
    }
    const before = existing?.authorization_photos ?? [];
    const add = photos.filter((h) => !before.includes(h));
    const remove = before.filter((h) => !photos.includes(h));
    if (add.length || remove.length) args.authorization_photos = existing ? { add, remove } : photos;
    if (Object.keys(args).length === 1) return onDone();
    try {
      await mutate({ name: 'keys.upsert', args, collection: 'keys', record_id: id }, { photos: [...added.values()].filter((p) => photos.includes(p.hash)) });
      onDone();
    } catch (x) {
      setErr(errorText(x));
    }
  }
  return (
    <form class="card form" onSubmit={save} data-testid="admin-key-form">
      <h2>{existing ? ta('admin.key_edit', { code: existing.code }) : ta('admin.key_new')}</h2>
      <label for="kf-code">{ta('admin.key_code')}</label>
      <input id="kf-code" required maxLength={32} value={v.code} onInput={(e) => setV({ ...v, code: e.currentTarget.value })} data-testid="admin-key-code" />
      <label for="kf-kind">{ta('admin.key_kind')}</label>
      <select id="kf-kind" value={v.kind} onChange={(e) => setV({ ...v, kind: e.currentTarget.value })} data-testid="admin-key-kind">
        {KINDS.map((k) => (
          <option key={k} value={k}>
            {keyKindText(k)}
          </option>
        ))}
      </select>
      <label for="kf-unit">{ta('admin.unit')}</label>
      <select id="kf-unit" value={v.unit_id === null ? '' : String(v.unit_id)} onChange={(e) => setV({ ...v, unit_id: e.currentTarget.value === '' ? null : Number(e.currentTarget.value) })} data-testid="admin-key-unit">
        <option value="">{ta('admin.choose')}</option>
        {unitOptions.map((u) => (
          <option key={u.id} value={String(u.id)}>
            {unitLabel(u)}
            {u.vacant ? ` · ${ta('admin.vacant')}` : ''}
          </option>
        ))}
        {v.unit_id !== null && !unitOptions.some((u) => u.id === v.unit_id) && <option value={String(v.unit_id)}>#{v.unit_id}</option>}
      </select>
      <label for="kf-label">{ta('admin.key_label')}</label>
      <input id="kf-label" maxLength={200} value={v.label} onInput={(e) => setV({ ...v, label: e.currentTarget.value })} />
      <label for="kf-store">{ta('admin.key_storage')}</label>
      <input id="kf-store" maxLength={200} value={v.storage_place} onInput={(e) => setV({ ...v, storage_place: e.currentTarget.value })} data-testid="admin-key-storage" />
      {v.kind === 'entrusted' && (
        <>
          <label for="kf-owner">{ta('admin.key_owner')}</label>
          <input id="kf-owner" maxLength={100} value={v.owner_name} onInput={(e) => setV({ ...v, owner_name: e.currentTarget.value })} />
          <label for="kf-phone">{ta('admin.key_owner_phone')}</label>
          <input id="kf-phone" type="tel" maxLength={32} value={v.owner_phone} onInput={(e) => setV({ ...v, owner_phone: e.currentTarget.value })} />
          <label for="kf-people">{ta('admin.key_people')}</label>
          <input id="kf-people" maxLength={500} value={v.authorized_people} onInput={(e) => setV({ ...v, authorized_people: e.currentTarget.value })} />
          <label for="kf-until">{ta('admin.key_until')}</label>
          <input id="kf-until" type="date" value={v.authorization_until ?? ''} onInput={(e) => setV({ ...v, authorization_until: e.currentTarget.value || null })} data-testid="admin-key-until" />
          <p class="check-label">{ta('admin.key_form_photo')}</p>
          <PhotoPicker
            hashes={photos}
            added={added}
            onAdd={(p) => {
              setAdded((m) => new Map(m).set(p.hash, p));
              setPhotos((l) => (l.includes(p.hash) ? l : [...l, p.hash]));
            }}
            onRemove={(h) => setPhotos((l) => l.filter((x) => x !== h))}
            onBusy={(d) => setBusy((n) => n + d)}
            inputTestId="admin-key-photo-input"
            galleryTestId="admin-key-photo-gallery"
          />
        </>
      )}
      <label for="kf-note">{ta('admin.key_note')}</label>
      <textarea id="kf-note" rows={2} value={v.note} onInput={(e) => setV({ ...v, note: e.currentTarget.value })} />
      <Err text={err} />
      <div class="actions">
        <button type="button" class="btn btn-light-outline" onClick={onDone}>
          {ta('admin.cancel')}
        </button>
        <button type="submit" class="btn btn-primary" disabled={busy > 0} data-testid="admin-key-save">
          {ta('admin.save')}
        </button>
      </div>
    </form>
  );
}
