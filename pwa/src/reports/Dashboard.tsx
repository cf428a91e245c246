// The supervisor's and manager's dashboard: every report with a chart, for one
// site and period, each chart with its totals and its numbers one tap away.
// What was fetched last is kept per site (store.ts) and shown, with its date,
// when the phone is offline or the server cannot be reached.
import { useEffect, useState } from 'preact/hooks';
import type { User } from '../app/api-types';
import type { Cached } from '../app/cache';
import { Link, Screen } from '../app/common';
import { day } from '../app/format';
import { when } from '../app/ui';
import { online } from '../app/state';
import { lang, t } from '../i18n';
import { errorText } from '../i18n/errors';
import { Chart } from './Chart';
import { currentSelection, PeriodPicker, ReportError, ReportNotes, ReportTable, Totals, type Selection } from './parts';
import { chartData, errorPlace, type ReportRead } from './report';
import { cachedDashboard, fetchDashboard, fetchList, type Dashboard } from './store';

export function DashboardScreen({ user }: { user: User }) {
  const [sel, setSel] = useState<Selection>(() => currentSelection(user));
  const [err, setErr] = useState<unknown>(null);
  const [fresh, setFresh] = useState<Cached<Dashboard> | null>(null);
  // Busy from the first render when it will fetch: the kept figures show meanwhile.
  const [busy, setBusy] = useState(() => online.value && sel.site_id !== '');
  // Titles and texts come in the UI language: another language fetches again.
  useEffect(() => {
    if (!online.value || !sel.site_id) return;
    let live = true;
    setErr(null);
    setBusy(true);
    fetchList()
      .then((list) => fetchDashboard(list, sel.site_id, sel))
      .then(
        (d) => live && (setFresh(d), setBusy(false)),
        (e: unknown) => live && (setErr(e), setBusy(false)),
      );
    return () => {
      live = false;
    };
  }, [sel.site_id, sel.from, sel.to, online.value, lang.value]);
  // The figures just fetched for this choice, else the last ones kept for the site (any period).
  const now = fresh && fresh.data.site_id === sel.site_id && fresh.data.from === sel.from && fresh.data.to === sel.to ? fresh : null;
  const kept = now ?? cachedDashboard(sel.site_id);
  const dash = kept?.data ?? null;
  const place = err ? errorPlace(err, []) : null;
  const l = lang.value;
  return (
    <Screen title={t('reports.dashboard')}>
      <PeriodPicker
        user={user}
        value={sel}
        onChange={setSel}
        siteError={place?.at === 'site' ? errorText(err) : null}
        periodError={place?.at === 'period' ? errorText(err) : null}
      />
      <p>
        <Link to="ledgers" class="btn btn-light-outline btn-block report-link" testid="open-ledgers">
          {t('reports.open_ledgers')}
        </Link>
      </p>
      {place?.at === 'report' && <ReportError err={err} />}
      {!online.value && <p class="notice" data-testid="offline-note">{t(dash ? 'reports.offline_cached' : 'reports.offline_none')}</p>}
      {busy && !dash && (
        <p class="muted" role="status">
          {t('common.loading')}
        </p>
      )}
      {dash && kept && (
        <section data-testid="dashboard" data-site={dash.site_id} data-from={dash.from} data-to={dash.to} aria-busy={busy ? 'true' : 'false'}>
          <p class="muted report-as-of">
            {dash.reports[0]?.site_name ?? ''} {day(dash.from, l)} – {day(dash.to, l)}
            <br />
            <span data-testid="as-of" data-value={kept.at}>
              {t('reports.as_of', { when: when(kept.at) })}
            </span>
          </p>
          {dash.reports.length === 0 && <p class="muted">{t('reports.no_charts')}</p>}
          {dash.reports.map((r) => (
            <ChartCard key={r.name} r={r} />
          ))}
        </section>
      )}
    </Screen>
  );
}

function ChartCard({ r }: { r: ReportRead }) {
  const [open, setOpen] = useState(false);
  if (!r.chart) return null;
  const data = chartData(r, r.chart, lang.value);
  const sum = data.series.reduce((a, s) => a + s.values.reduce<number>((b, v) => b + (v ?? 0), 0), 0);
  return (
    <section class="card report-card" data-testid="chart-card" data-name={r.name}>
      <h2>{r.title}</h2>
      {r.rows.length === 0 ? (
        <p class="muted">{t('reports.no_rows')}</p>
      ) : (
        <div class="chart-tap" onClick={() => setOpen(!open)} data-points={r.rows.length} data-sum={sum} data-testid="chart-tap">
          <Chart data={data} label={t('reports.chart_of', { title: r.title, site: r.site_name, from: r.from, to: r.to })} testid="chart" />
        </div>
      )}
      <Totals r={r} />
      <ReportNotes r={r} />
      <div class="actions">
        <button type="button" class="btn btn-light-outline" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="chart-toggle">
          {t(open ? 'reports.hide_table' : 'reports.show_table')}
        </button>
        <Link to={{ name: 'ledger', report: r.name }} class="btn btn-light-outline report-link" testid="chart-ledger">
          {t('reports.export')}
        </Link>
      </div>
      {open && <ReportTable r={r} />}
    </section>
  );
}
