// 基础数据 · 房屋: a site's units (search, edit, add, the CSV export) and the CSV import (CsvImport.tsx).
import { useState } from 'preact/hooks';
import { t } from '../i18n';
import { online } from '../app/state';
import type { BuildingRead, UnitRead, User } from '../app/api-types';
import { SitePicker, useLoad } from '../app/ui';
import { unitLabel } from '../app/units';
import { patch, post } from './rest';
import { AdminError } from './AdminError';
import { CsvImport } from './CsvImport';
import { FieldError, fieldName, Saved, useForm, type FormState } from './form';

const UNIT_FIELDS = ['building', 'entrance', 'number', 'area_m2', 'vacant', 'vacant_since', 'patrol_interval_days'] as const;

/** The patrol interval is a whole number of days, 1 to 365. */
function intervalOk(form: FormState, value: string): boolean {
  const n = Number(value);
  return (Number.isInteger(n) && n >= 1 && n <= 365) || form.refuse('patrol_interval_days', t('admin.number_invalid', { field: fieldName(t('admin.interval')), min: 1, max: 365 }));
}

export function Units({ user }: { user: User }) {
  const [site, setSite] = useState(user.sites[0]?.id ?? '');
  const { data, error, reload } = useLoad<UnitRead[]>(site ? `/api/sites/${site}/units` : null);
  const { data: buildings } = useLoad<BuildingRead[]>(site ? `/api/sites/${site}/buildings` : null, [data]);
  const [filter, setFilter] = useState('');
  const [editing, setEditing] = useState<number | null>(null);
  // Said after the edit row closes: which unit was saved.
  const [saved, setSaved] = useState<string | null>(null);
  const needle = filter.trim();
  const list = (data ?? []).filter((u) => needle === '' || unitLabel(u).includes(needle));
  return (
    <>
      <section class="card form" data-testid="admin-units">
        <h2>{t('admin.units')}</h2>
        <SitePicker sites={user.sites} id="a-site" testid="admin-site" value={site} onChange={setSite} />
        <label for="u-q">{t('admin.search')}</label>
        <input id="u-q" type="search" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
        <AdminError text={error} />
        <Saved text={saved} />
        <p class="muted hint">{t('admin.units_count', { n: data?.length ?? 0, vacant: (data ?? []).filter((u) => u.vacant).length })}</p>
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th>{t('admin.unit')}</th>
                <th>{t('admin.vacant')}</th>
                <th>{t('admin.interval')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.slice(0, 200).map((u) =>
                editing === u.id ? (
                  <tr key={u.id}>
                    <td colSpan={4}>
                      <UnitEdit
                        unit={u}
                        onDone={(text) => {
                          setEditing(null);
                          setSaved(text ?? null);
                          if (text) reload();
                        }}
                      />
                    </td>
                  </tr>
                ) : (
                  <tr key={u.id} data-testid="admin-unit-row" data-id={u.id}>
                    <td>{unitLabel(u)}</td>
                    <td>{u.vacant ? `${t('common.yes')} ${u.vacant_since ?? ''}` : t('common.no')}</td>
                    <td>{u.patrol_interval_days}</td>
                    <td>
                      <button
                        type="button"
                        class="btn-link"
                        onClick={() => {
                          setSaved(null);
                          setEditing(u.id);
                        }}
                      >
                        {t('admin.edit')}
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
            {t('admin.export_csv')}
          </a>
        )}
      </section>
      {site && <UnitNew buildings={buildings ?? []} onDone={reload} />}
      {site && <CsvImport siteId={Number(site)} onDone={reload} />}
    </>
  );
}

/** `onDone(saved)`: closed, with what was saved (nothing when cancelled). */
function UnitEdit({ unit, onDone }: { unit: UnitRead; onDone: (saved?: string) => void }) {
  const [v, setV] = useState({ vacant: unit.vacant, vacant_since: unit.vacant_since ?? '', interval: String(unit.patrol_interval_days), number: unit.number, entrance: unit.entrance });
  const form = useForm();
  async function save() {
    if (!form.required('number', v.number, t('admin.number')) || !intervalOk(form, v.interval)) return;
    const body: Record<string, unknown> = { vacant: v.vacant, patrol_interval_days: Number(v.interval), number: v.number.trim(), entrance: v.entrance.trim() };
    if (v.vacant_since) body.vacant_since = v.vacant_since;
    if (await form.run(() => patch(`/api/units/${unit.id}`, body), '')) {
      onDone(t('admin.unit_saved', { unit: unitLabel({ ...unit, number: v.number.trim(), entrance: v.entrance.trim() }) }));
    }
  }
  return (
    <div class="form" data-testid="admin-unit-edit">
      <strong>{unitLabel(unit)}</strong>
      <label for="ue-entr">{t('admin.entrance')}</label>
      <input id="ue-entr" value={v.entrance} onInput={(e) => setV({ ...v, entrance: e.currentTarget.value })} />
      <FieldError field="entrance" text={form.errorFor('entrance')} />
      <label for="ue-num">{t('admin.number')}</label>
      <input id="ue-num" value={v.number} onInput={(e) => setV({ ...v, number: e.currentTarget.value })} />
      <FieldError field="number" text={form.errorFor('number')} />
      <div class="checks">
        <label>
          <input type="checkbox" checked={v.vacant} onChange={(e) => setV({ ...v, vacant: e.currentTarget.checked })} /> {t('admin.vacant')}
        </label>
      </div>
      <label for="ue-since">{t('admin.vacant_since')}</label>
      <input id="ue-since" type="date" value={v.vacant_since} onInput={(e) => setV({ ...v, vacant_since: e.currentTarget.value })} />
      <FieldError field="vacant_since" text={form.errorFor('vacant_since')} />
      <label for="ue-int">{t('admin.interval')}</label>
      <input id="ue-int" type="number" min={1} max={365} value={v.interval} onInput={(e) => setV({ ...v, interval: e.currentTarget.value })} />
      <FieldError field="patrol_interval_days" text={form.errorFor('patrol_interval_days')} />
      <AdminError text={form.general(UNIT_FIELDS)} />
      <div class="actions">
        <button type="button" class="btn btn-light-outline" onClick={() => onDone()}>
          {t('common.cancel')}
        </button>
        <button type="button" class="btn btn-primary" disabled={form.busy || !online.value} onClick={() => void save()} data-testid="admin-unit-save">
          {t('common.save')}
        </button>
      </div>
    </div>
  );
}

function UnitNew({ buildings, onDone }: { buildings: BuildingRead[]; onDone: () => void }) {
  const [v, setV] = useState({ building: '', entrance: '', number: '', area: '', vacant: true, since: '', interval: '7' });
  const form = useForm();
  async function create(e: Event) {
    e.preventDefault();
    if (!form.required('building', v.building, t('admin.building')) || !form.required('number', v.number, t('admin.number'))) return;
    const area = Number(v.area);
    if (v.area.trim() !== '' && !(area > 0)) return void form.refuse('area_m2', t('admin.area_invalid'));
    if (!intervalOk(form, v.interval)) return;
    const body: Record<string, unknown> = { number: v.number.trim(), entrance: v.entrance.trim(), vacant: v.vacant, patrol_interval_days: Number(v.interval) };
    if (v.area.trim() !== '') body.area_m2 = area;
    if (v.since) body.vacant_since = v.since;
    const building = buildings.find((b) => String(b.id) === v.building)?.name ?? '';
    const unit = unitLabel({ building_name: building, entrance: v.entrance.trim(), number: v.number.trim() });
    if (await form.run(() => post(`/api/buildings/${v.building}/units`, body), t('admin.unit_created', { unit }))) {
      setV({ ...v, number: '', area: '' });
      onDone();
    }
  }
  return (
    <form class="card form" onSubmit={create} noValidate data-testid="admin-unit-form">
      <h2>{t('admin.unit_new')}</h2>
      <label for="un-b">{t('admin.building')}</label>
      <select id="un-b" required value={v.building} onChange={(e) => setV({ ...v, building: e.currentTarget.value })}>
        <option value="">{t('common.choose')}</option>
        {buildings.map((b) => (
          <option key={b.id} value={String(b.id)}>
            {b.name}
          </option>
        ))}
      </select>
      <FieldError field="building" text={form.errorFor('building')} />
      <label for="un-e">{t('admin.entrance')}</label>
      <input id="un-e" value={v.entrance} onInput={(e) => setV({ ...v, entrance: e.currentTarget.value })} />
      <FieldError field="entrance" text={form.errorFor('entrance')} />
      <label for="un-n">{t('admin.number')}</label>
      <input id="un-n" required value={v.number} onInput={(e) => setV({ ...v, number: e.currentTarget.value })} data-testid="admin-unit-number" />
      <FieldError field="number" text={form.errorFor('number')} />
      <label for="un-a">{t('admin.area')}</label>
      <input id="un-a" inputMode="decimal" value={v.area} onInput={(e) => setV({ ...v, area: e.currentTarget.value })} data-testid="admin-unit-area" />
      <FieldError field="area_m2" text={form.errorFor('area_m2')} />
      <div class="checks">
        <label>
          <input type="checkbox" checked={v.vacant} onChange={(e) => setV({ ...v, vacant: e.currentTarget.checked })} /> {t('admin.vacant')}
        </label>
      </div>
      <label for="un-s">{t('admin.vacant_since')}</label>
      <input id="un-s" type="date" value={v.since} onInput={(e) => setV({ ...v, since: e.currentTarget.value })} />
      <FieldError field="vacant_since" text={form.errorFor('vacant_since')} />
      <label for="un-i">{t('admin.interval')}</label>
      <input id="un-i" type="number" min={1} max={365} value={v.interval} onInput={(e) => setV({ ...v, interval: e.currentTarget.value })} />
      <FieldError field="patrol_interval_days" text={form.errorFor('patrol_interval_days')} />
      <AdminError text={form.general(UNIT_FIELDS)} />
      <Saved text={form.saved} />
      <button type="submit" class="btn btn-primary" disabled={form.busy || !online.value} data-testid="admin-unit-create">
        {t('admin.create')}
      </button>
    </form>
  );
}
