// 空置房巡查: the due list (computed on the phone from the cached units and the
// synced patrols, so it works offline), my open patrols, every vacant unit to
// pick from, and "scan a key tag" to start at the unit of the key.
import { useEffect, useState } from 'preact/hooks';
import { Link, Screen } from '../app/common';
import { me, ready } from '../app/data';
import { navigate, online } from '../app/state';
import type { User } from '../app/api-types';
import { ScanKey } from '../scan/ScanKey';
import { refreshSite } from '../app/cache';
import { tt } from '../ops/i18n';
import { patrols, serverDue, todayOnSite, units } from '../ops/store';
import { PatrolStatusChip, PendingChip, RouteLink, when } from '../app/ui';
import { dueUnits, groupByBuilding, isEditable, unitLabel, type Patrol, type Unit } from './patrol';

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
    <Screen title={tt('patrols.title')}>
      <ScanKey
        label={tt('patrols.scan_to_start')}
        onKey={(k) =>
          k.unit_id !== null ? navigate({ name: 'patrol-unit', unit: k.unit_id, key: k.id }) : navigate({ name: 'key', id: k.id })
        }
      />
      {user.sites.length > 1 && (
        <div class="filters">
          <div class="field">
            <label for="p-site">{tt('common.site')}</label>
            <select id="p-site" value={siteFilter} onChange={(e) => setSiteFilter(e.currentTarget.value)}>
              <option value="">{tt('common.all')}</option>
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
          <h2 id="mine-h">{tt('patrols.mine')}</h2>
          <ul class="rows">
            {mine.map((p) => (
              <li key={p.id}>
                <Link to={{ name: 'patrol', id: p.id }} class="row" testid="patrol-row" dataId={p.id}>
                  <span class="row-top">
                    <PatrolStatusChip status={p.status} />
                    <PendingChip n={p.pending} />
                  </span>
                  <span class="row-main">{unitName(unitList, p.unit_id)}</span>
                  <span class="row-sub">{tt('patrols.started', { time: when(p.started_at ?? p.created_at) })}</span>
                </Link>
              </li>
            ))}
          </ul>
        </section>
      )}

      <section class="card" aria-labelledby="due-h" data-testid="due-list">
        <h2 id="due-h">
          {tt('patrols.due')} <span class="muted">({due.length})</span>
        </h2>
        {oldest !== null || extra.length > 0 ? (
          <p class="muted hint">{oldest !== null ? tt('patrols.units_as_of', { time: when(oldest) }) : ''}</p>
        ) : (
          <p class="muted hint" data-testid="units-missing">
            {ready.value ? tt('patrols.units_missing') : tt('common.loading')}
          </p>
        )}
        {groups.length === 0 && oldest !== null && <p class="muted">{tt('patrols.none_due')}</p>}
        {groups.map((g) => (
          <div key={g.building} class="group">
            <h3 class="group-h">{g.building}</h3>
            <ul class="rows">
              {g.units.map((d) => {
                const open = byUnit.get(d.unit.id);
                return (
                  <li key={d.unit.id}>
                    <RouteLink to={{ name: 'patrol-unit', unit: d.unit.id }} class="row" attrs={{ 'data-testid': 'due-unit', 'data-unit-id': String(d.unit.id), 'data-overdue': String(d.days_overdue) }}>
                      <span class="row-top">
                        <span class="row-main">{unitLabel(d.unit)}</span>
                        {d.days_overdue > 0 ? (
                          <span class="chip chip-late">{tt('patrols.overdue_days', { n: d.days_overdue })}</span>
                        ) : (
                          <span class="chip">{tt('patrols.due_today')}</span>
                        )}
                        {open && <PatrolStatusChip status={open.status} />}
                      </span>
                      <span class="row-sub">
                        {d.last_patrolled ? tt('patrols.last', { date: d.last_patrolled }) : tt('patrols.never')} ·{' '}
                        {tt('patrols.every', { n: d.unit.patrol_interval_days })}
                      </span>
                    </RouteLink>
                  </li>
                );
              })}
            </ul>
          </div>
        ))}
      </section>

      <AllUnits list={unitList} />
    </Screen>
  );
}

function unitName(list: Unit[], id: number | null): string {
  const u = list.find((x) => x.id === id);
  return u ? unitLabel(u) : id === null ? '' : tt('unit.number_only', { id });
}

/** Any vacant unit, for a patrol that is not (yet) due. */
function AllUnits({ list }: { list: Unit[] }) {
  const [q, setQ] = useState('');
  if (list.length === 0) return null;
  const needle = q.trim().toLowerCase();
  const shown = list.filter((u) => needle === '' || unitLabel(u).toLowerCase().includes(needle)).slice(0, 50);
  return (
    <details class="card">
      <summary class="summary">{tt('patrols.pick_unit', { n: list.length })}</summary>
      <label for="unit-q">{tt('patrols.search_unit')}</label>
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
