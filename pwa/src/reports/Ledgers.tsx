// The ledgers: the list of reports without a chart, and one ledger with its own
// filters (from the list's descriptors), its period, a page of rows, the totals
// of every matching record, and its exports. Online only: SQL on the server.
import { useEffect, useState } from 'preact/hooks';
import type { User } from '../app/api-types';
import { Link, Screen } from '../app/common';
import { members } from '../app/data';
import { day } from '../app/format';
import { goBack, online } from '../app/state';
import { lang, t } from '../i18n';
import { errorText } from '../i18n/errors';
import { currentSelection, Exports, FieldError, PeriodPicker, ReportError, ReportNotes, ReportTable, Totals, useReportList, type Selection } from './parts';
import { errorPlace, isDashboard, PAGE_SIZE, pageInfo, reportTitle, type ReportFilter, type ReportRead } from './report';
import { fetchPage } from './store';

export function LedgersScreen() {
  const { list, error } = useReportList();
  const ledgers = (list ?? []).filter((r) => !isDashboard(r));
  return (
    <Screen title={t('reports.ledgers')} back={() => goBack('reports')}>
      <ReportError err={list ? null : error} />
      <section class="card">
        <p class="muted">{t('reports.ledgers_hint')}</p>
        {!list && !error && <p class="muted">{t(online.value ? 'common.loading' : 'reports.offline_ledger')}</p>}
        <ul class="rows" data-testid="ledger-list">
          {ledgers.map((r) => (
            <li key={r.name}>
              <Link to={{ name: 'ledger', report: r.name }} class="row" attrs={{ 'data-testid': 'ledger-row', 'data-name': r.name }}>
                <span class="row-main">{reportTitle(r, lang.value)}</span>
                {r.approved_only && <span class="row-sub">{t('reports.approved_only')}</span>}
              </Link>
            </li>
          ))}
        </ul>
      </section>
    </Screen>
  );
}

export function LedgerScreen({ user, name }: { user: User; name: string }) {
  const { list, error: listError } = useReportList();
  const item = list?.find((r) => r.name === name) ?? null;
  const [sel, setSel] = useState<Selection>(() => currentSelection(user));
  const [filters, setFilters] = useState<Record<string, string>>({});
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<ReportRead | null>(null);
  const [err, setErr] = useState<unknown>(null);
  const q = { site_id: sel.site_id, from: sel.from, to: sel.to, filters };
  const key = JSON.stringify(q);
  useEffect(() => {
    if (!online.value || !item || !sel.site_id) return;
    let live = true;
    setErr(null);
    fetchPage(name, { ...q, offset, limit: PAGE_SIZE }).then(
      (p) => live && setPage(p),
      (e: unknown) => live && (setErr(e), setPage(null)),
    );
    return () => {
      live = false;
    };
  }, [name, key, offset, online.value, item !== null, lang.value]);
  // Another period, site or filter starts from the first page.
  const choose = (s: Selection) => (setSel(s), setOffset(0));
  const setFilter = (f: string, v: string) => (setFilters({ ...filters, [f]: v }), setOffset(0));
  const place = err ? errorPlace(err, item?.filters.map((f) => f.name) ?? []) : null;
  const title = item ? reportTitle(item, lang.value) : page?.title ?? t('reports.ledgers');
  const info = page ? pageInfo(page) : null;
  return (
    <Screen title={title} back={() => goBack('ledgers')}>
      <PeriodPicker user={user} value={sel} onChange={choose} siteError={place?.at === 'site' ? errorText(err) : null} periodError={place?.at === 'period' ? errorText(err) : null} />
      {!online.value && <p class="notice">{t('reports.offline_ledger')}</p>}
      {!item && list && <ReportError err={{ code: 'not_found' }} />}
      {!list && <ReportError err={listError} />}
      {item && item.filters.length > 0 && (
        <section class="card form">
          {item.filters.map((f) => (
            <FilterField key={f.name} f={f} siteId={sel.site_id} value={filters[f.name] ?? ''} onChange={(v) => setFilter(f.name, v)} error={place?.at === 'filter' && place.name === f.name ? errorText(err) : null} />
          ))}
        </section>
      )}
      {place?.at === 'report' && <ReportError err={err} />}
      {item && page && info && (
        <section class="card" data-testid="ledger" data-name={name} data-offset={page.offset} data-row-count={page.row_count}>
          <h2>
            {page.site_name} {day(page.from, lang.value)} – {day(page.to, lang.value)}
          </h2>
          <ReportNotes r={page} />
          <Totals r={page} />
          <Exports name={name} formats={item.formats} q={q} />
          <ReportTable r={page} />
          {info.total > 0 && (
            <div class="report-pager">
              <button type="button" class="btn btn-light-outline" disabled={info.prev === null} onClick={() => info.prev !== null && setOffset(info.prev)} data-testid="page-prev">
                {t('reports.prev')}
              </button>
              <span data-testid="page-info" data-first={info.first} data-last={info.last} data-total={info.total}>
                {t('reports.page', { first: info.first, last: info.last, total: info.total })}
              </span>
              <button type="button" class="btn btn-light-outline" disabled={info.next === null} onClick={() => info.next !== null && setOffset(info.next)} data-testid="page-next">
                {t('reports.next')}
              </button>
            </div>
          )}
        </section>
      )}
    </Screen>
  );
}

/** One of the report's own filters: a choice as a select, a person from the site's members. */
function FilterField({ f, siteId, value, onChange, error }: { f: ReportFilter; siteId: string; value: string; onChange: (v: string) => void; error: string | null }) {
  const id = `f-${f.name}`;
  const people = f.kind === 'person' ? members.value.get(siteId) ?? [] : [];
  let field;
  if (f.kind === 'choice' || (f.kind === 'person' && people.length > 0)) {
    const options = f.kind === 'choice' ? f.choices : people.map((m) => ({ value: String(m.id), title: m.display_name || m.username }));
    field = (
      <select id={id} value={value} onChange={(e) => onChange(e.currentTarget.value)} data-testid={`filter-${f.name}`}>
        <option value="">{t('common.all')}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.title}
          </option>
        ))}
      </select>
    );
  } else {
    // A person without the site's member list (never synced here): their id, as the server takes it.
    field =
      f.kind === 'person' ? (
        <input id={id} type="number" inputMode="numeric" placeholder={t('reports.person_id')} value={value} onChange={(e) => onChange(e.currentTarget.value.trim())} data-testid={`filter-${f.name}`} />
      ) : (
        <input id={id} type="text" value={value} onChange={(e) => onChange(e.currentTarget.value.trim())} data-testid={`filter-${f.name}`} />
      );
  }
  return (
    <>
      <label for={id}>{f.title}</label>
      {field}
      <FieldError text={error} testid="filter-error" name={f.name} />
    </>
  );
}
