// What the dashboard and the ledgers share: the site and period the person chose
// (kept while the app is open), their picker with a refusal under it, a report's
// table with its totals and notes, and the export links.
import { signal } from '@preact/signals';
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { User } from '../app/api-types';
import { SitePicker } from '../app/ui';
import { todayOnSite } from '../app/site';
import { online } from '../app/state';
import { lang, t } from '../i18n';
import { errorText } from '../i18n/errors';
import { isNetworkError } from '../sync/api';
import { cellText, EXPORTS, isNumeric, presetPeriod, reportUrl, type Period, type Preset, type Query, type ReportListItem, type ReportRead } from './report';
import { cachedList, fetchList } from './store';

export interface Selection extends Period {
  site_id: string;
  preset: Preset;
}

/** The site and period chosen: this month of the first site until the person picks another. */
export const selection = signal<Selection | null>(null);

export function currentSelection(u: User): Selection {
  const s = selection.value;
  if (s && u.sites.some((x) => x.id === s.site_id)) {
    // "This month" follows the site's day (an app left open over midnight on the 1st).
    return s.preset === 'custom' ? s : { ...s, ...presetPeriod(s.preset, todayOnSite.value) };
  }
  return { site_id: u.sites[0]?.id ?? '', preset: 'this_month', ...presetPeriod('this_month', todayOnSite.value) };
}

export function FieldError({ text, testid, name }: { text: string | null; testid: string; name?: string }) {
  if (!text) return null;
  return (
    <p class="error field-error" role="alert" data-testid={testid} data-name={name}>
      {text}
    </p>
  );
}

/** Site, a preset period or two dates; `errors` are refusals about the site or the period. */
export function PeriodPicker({ user, value, onChange, siteError, periodError }: { user: User; value: Selection; onChange: (s: Selection) => void; siteError: string | null; periodError: string | null }) {
  const today = todayOnSite.value;
  const set = (s: Selection) => {
    selection.value = s;
    onChange(s);
  };
  return (
    <section class="card form report-period">
      <SitePicker sites={user.sites} value={value.site_id} onChange={(v) => set({ ...value, site_id: v })} id="r-site" testid="report-site" />
      <FieldError text={siteError} testid="site-error" />
      <label for="r-preset">{t('reports.period')}</label>
      <select
        id="r-preset"
        value={value.preset}
        data-testid="report-preset"
        onChange={(e) => {
          const p = e.currentTarget.value as Preset;
          set(p === 'custom' ? { ...value, preset: p } : { ...value, preset: p, ...presetPeriod(p, today) });
        }}
      >
        {(['this_month', 'last_month', 'custom'] as const).map((p) => (
          <option key={p} value={p}>
            {t(`reports.preset.${p}`)}
          </option>
        ))}
      </select>
      <div class="report-dates">
        <span>
          <label for="r-from">{t('reports.from')}</label>
          <input id="r-from" type="date" value={value.from} data-testid="report-from" onChange={(e) => set({ ...value, preset: 'custom', from: e.currentTarget.value })} />
        </span>
        <span>
          <label for="r-to">{t('reports.to')}</label>
          <input id="r-to" type="date" value={value.to} data-testid="report-to" onChange={(e) => set({ ...value, preset: 'custom', to: e.currentTarget.value })} />
        </span>
      </div>
      <FieldError text={periodError} testid="period-error" />
    </section>
  );
}

/** "Built from approved records" and the cap's note, when they apply. */
export function ReportNotes({ r }: { r: Pick<ReportRead, 'approved_only' | 'note' | 'truncated'> }) {
  return (
    <>
      {r.approved_only && (
        <p class="muted" data-testid="approved-only">
          {t('reports.approved_only')}
        </p>
      )}
      {r.truncated && r.note && (
        <p class="notice" data-testid="cap-note">
          {r.note}
        </p>
      )}
    </>
  );
}

export function Totals({ r }: { r: ReportRead }) {
  if (r.totals.length === 0) return null;
  const l = lang.value;
  return (
    <dl class="kvs report-totals" aria-label={t('reports.totals')}>
      {r.totals.map((x) => (
        <div class="kv" key={x.key}>
          <dt>{x.title}</dt>
          <dd data-testid="report-total" data-key={x.key} data-value={x.value}>
            {cellText(x.value, x.kind, l)}
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** The rows as a table that scrolls sideways on a phone; numbers right-aligned. */
export function ReportTable({ r, children }: { r: ReportRead; children?: ComponentChildren }) {
  const l = lang.value;
  if (r.rows.length === 0) return <p class="muted">{t('reports.no_rows')}</p>;
  return (
    <div class="table-wrap">
      <table class="table report-table" data-testid="report-table" data-name={r.name}>
        <thead>
          <tr>
            {r.columns.map((c) => (
              <th key={c.key} class={isNumeric(c.kind) ? 'num' : undefined}>
                {c.title}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {r.rows.map((row, i) => (
            <tr key={i} data-testid="report-row">
              {r.columns.map((c) => (
                <td key={c.key} class={isNumeric(c.kind) ? 'num' : undefined} data-key={c.key}>
                  {cellText(row[c.key], c.kind, l)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {children}
    </div>
  );
}

/** XLSX, CSV and PDF of the same report, site, period and filters (the same door, format=…). */
export function Exports({ name, formats, q }: { name: string; formats: readonly string[]; q: Query }) {
  const shown = EXPORTS.filter((f) => formats.includes(f));
  if (shown.length === 0) return null;
  return (
    <div class="report-exports">
      <span class="muted">{t('reports.export_as')}</span>
      {shown.map((f) => (
        <a key={f} class="btn btn-light-outline" href={reportUrl(name, { ...q, format: f })} {...(f === 'pdf' ? { target: '_blank', rel: 'noopener' } : { download: true })} data-testid={`export-${f}`}>
          {t(`reports.format.${f}`)}
        </a>
      ))}
    </div>
  );
}

/** The reports this user may open: fetched when online (and kept), else the kept list. */
export function useReportList(): { list: ReportListItem[] | null; error: unknown } {
  const [fresh, setFresh] = useState<ReportListItem[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (!online.value) return;
    let live = true;
    fetchList().then(
      (l) => live && (setFresh(l), setError(null)),
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [online.value]);
  return { list: fresh ?? cachedList()?.data ?? null, error };
}

/** A failure above the report: the network's own words when there was no answer. */
export function ReportError({ err }: { err: unknown }) {
  if (!err) return null;
  return (
    <p class="error" role="alert" data-testid="report-error" data-kind={isNetworkError(err) ? 'network' : 'refused'}>
      {errorText(err)}
    </p>
  );
}
