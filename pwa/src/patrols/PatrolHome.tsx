// 空置房巡查: the due list (computed on the phone from the cached units and the
// synced patrols, so it works offline), my open patrols, every vacant unit to
// pick from, and "scan a key tag" to start at the unit of the key.
import { useEffect, useState } from 'preact/hooks';
import { Link, Screen } from '../app/common';
import { me, ready } from '../app/data';
import { navigate, online } from '../app/state';
import type { User } from '../app/api-types';
import { ScanKey } from '../keys/ScanKey';
import { refreshSite } from '../app/cache';
import { t } from '../i18n';
import { todayOnSite, units } from '../app/site';
import { PendingChip, when } from '../app/ui';
import { unitLabel, type Unit } from '../app/units';
import { PatrolStatusChip } from './labels';
import { dueUnits, groupByBuilding, isEditable, type Patrol } from './patrol';
import { patrols, serverDue } from './store';

export function PatrolHome({ user }: { user: User }) {
  const [siteFilter, setSiteFilter] = useState(user.sites.length === 1 ? user.sites[0]!.id : '');

  useEffect(() => {
    if (online.value) for (const s of user.sites) void refreshSite(s.id);
  }, []);

  const all = patrols.value;
  const unitList = units.value.list.filter((u) => siteFilter === '' || String(u.site_id) === siteFilter);
  const extra = serverDue.value.filter((d) => siteFilter === '' || String(d.unit.site_id) === siteFilter);
  const due = [...dueUnits(unitList, all, todayOnSite.value), ...extra].sort((a, b) => b.days_overdue - a.days_overdue);
  const groups = groupByBuilding(due);
  // Mine: open ones first, then the latest approved (so the review outcome shows).
  const mine = all
    .filter((p) => p.author_id === me.value)
    .sort((a, b) => Number(a.status === 'approved') - Number(b.status === 'approved') || (b.started_at ?? '').localeCompare(a.started_at ?? ''))
    .slice(0, 10);
  const byUnit = new Map<number, Patrol>();
  for (const p of all) if (p.unit_id !== null && p.status !== 'approved' && (!byUnit.has(p.unit_id) || isEditable(p))) byUnit.set(p.unit_id, p);
  const fetched = [...units.value.fetched.values()];
  const oldest = fetched.length ? Math.min(...fetched) : null;


  return (
    <Screen title={t('patrols.title')}>
      <ScanKey
        label={t('patrols.scan_to_start')}
        onKey={(k) =>
          k.unit_id !== null ? navigate({ name: 'patrol-unit', unit: k.unit_id, key: k.id }) : navigate({ name: 'key', id: k.id })
        }
      />
      {user.sites.length > 1 && (
        <div class="filters">
          <div class="field">
            <label for="p-site">{t('common.site')}</label>
            <select id="p-site" value={siteFilter} onChange={(e) => setSiteFilter(e.currentTarget.value)}>
              <option value="">{t('common.all')}</option>
              {user.sites.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </div>
        </div>
      )}

      {mine.length > 0 && (
        <section class="card" aria-labelledby="mine-h">
          <h2 id="mine-h">{t('patrols.mine')}</h2>
          <ul class="rows">
            {mine.map((p) => (
              <li key={p.id}>
                <Link to={{ name: 'patrol', id: p.id }} class="row" testid="patrol-row" dataId={p.id}>
                  <span class="row-top">
                    <PatrolStatusChip status={p.status} />
                    {!online.value && <PendingChip n={p.pending} />}
                  </span>
                  <span class="row-main">{unitName(unitList, p.unit_id)}</span>
                  <span class="row-sub">{t('patrols.started', { time: when(p.started_at ?? p.created_at) })}</span>
                </Link>
              </li>
            ))}
          </ul>
        </section>
      )}

      <section class="card" aria-labelledby="due-h" data-testid="due-list">
        <h2 id="due-h">
          {t('patrols.due')} <span class="muted">({due.length})</span>
        </h2>
        {oldest !== null || extra.length > 0 ? (
          <p class="muted hint">{oldest !== null ? t('patrols.units_as_of', { time: when(oldest) }) : ''}</p>
        ) : (
          <p class="muted hint" data-testid="units-missing">
            {ready.value ? t('patrols.units_missing') : t('common.loading')}
          </p>
        )}
        {groups.length === 0 && oldest !== null && <p class="muted">{t('patrols.none_due')}</p>}
        {groups.map((g) => (
          <div key={g.building} class="group">
            <h3 class="group-h">{g.building}</h3>
            <ul class="rows">
              {g.units.map((d) => {
                const open = byUnit.get(d.unit.id);
                return (
                  <li key={d.unit.id}>
                    <Link to={{ name: 'patrol-unit', unit: d.unit.id }} class="row" attrs={{ 'data-testid': 'due-unit', 'data-unit-id': String(d.unit.id), 'data-overdue': String(d.days_overdue) }}>
                      <span class="row-top">
                        <span class="row-main">{unitLabel(d.unit)}</span>
                        {d.days_overdue > 0 ? (
                          <span class="chip chip-late">{t('patrols.overdue_days', { n: d.days_overdue })}</span>
                        ) : (
                          <span class="chip">{t('patrols.due_today')}</span>
                        )}
                        {open && <PatrolStatusChip status={open.status} />}
                      </span>
                      <span class="row-sub">
                        {d.last_patrolled ? t('patrols.last', { date: d.last_patrolled }) : t('patrols.never')} ·{' '}
                        {t('patrols.every', { n: d.unit.patrol_interval_days })}
                      </span>
                    </Link>
                  </li>
                );
              })}
            </ul>
          </div>
        ))}
      </section>

      {/* The units not already shown in the due list. */}
      <AllUnits list={unitList.filter((u) => !due.some((d) => d.unit.id === u.id))} />
    </Screen>
  );
}

function unitName(list: Unit[], id: number | null): string {
  const u = list.find((x) => x.id === id);
  return u ? unitLabel(u) : id === null ? '' : t('unit.number_only', { id });
}

/** Any vacant unit, for a patrol that is not (yet) due. */
function AllUnits({ list }: { list: Unit[] }) {
  const [q, setQ] = useState('');
  if (list.length === 0) return null;
  const needle = q.trim().toLowerCase();
  const shown = list.filter((u) => needle === '' || unitLabel(u).toLowerCase().includes(needle)).slice(0, 50);
  return (
    <details class="card">
      <summary class="summary">{t('patrols.pick_unit', { n: list.length })}</summary>
      <label for="unit-q">{t('patrols.search_unit')}</label>
      <input id="unit-q" type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} data-testid="unit-search" />
      <ul class="rows unit-pick">
        {shown.map((u) => (
          <li key={u.id}>
            <Link to={{ name: 'patrol-unit', unit: u.id }} class="row" testid="unit-row" dataId={String(u.id)}>
              <span class="row-main">{unitLabel(u)}</span>
            </Link>
          </li>
        ))}
      </ul>
    </details>
  );
}
