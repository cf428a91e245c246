import './texts';
import { signal } from '@preact/signals';
import { useState } from 'preact/hooks';
import { lang, t } from '../i18n';
import { awaitsAcceptance, sortFindings, STATUSES, type Finding } from './finding';
import type { User } from '../app/api-types';
import { Link, Screen } from '../app/common';
import { BySite, SitePicker } from '../app/ui';
import { notices, ready } from '../app/data';
import { findings } from './store';
import { day, today } from '../app/format';
import { categoryLabel, statusLabel } from '../app/labels';
import { navigate } from '../app/state';

/** Kept while the app is open, so coming back from a finding keeps the filter. */
const statusFilter = signal('');
const siteFilter = signal('');

export function rejectedIds(): Set<string> {
  return new Set(notices.value.filter((n) => n.kind === 'rejected' && n.collection === 'findings').map((n) => n.record_id));
}

/** Pending / rejected chips for one record. */
export function StateChips({ pending, rejected }: { pending: number; rejected: boolean }) {
  return (
    <>
      {pending > 0 && (
        <span class="chip chip-pending" data-testid="state-pending">
          {t('common.pending')}
        </span>
      )}
      {rejected && (
        <span class="chip chip-rejected" data-testid="state-rejected">
          {t('state.rejected')}
        </span>
      )}
    </>
  );
}

// Rows drawn at first and per "show more": a long list must not delay the first paint
// (1,000 findings on a slow phone), and nobody scrolls a thousand rows.
const PAGE = 50;

export function FindingRows({ list, empty }: { list: Finding[]; empty: string }) {
  const [shown, setShown] = useState(PAGE);
  if (list.length === 0) return <p class="muted">{empty}</p>;
  const rejected = rejectedIds();
  const now = today();
  const rest = list.length - shown;
  return (
    <>
    <ul class="rows">
      {list.slice(0, shown).map((f) => {
        const late = f.due_date !== null && f.due_date < now && (f.status === 'open' || f.status === 'assigned');
        return (
          <li key={f.id}>
            <Link to={{ name: 'finding', id: f.id }} class="row" testid="finding-row" dataId={f.id}>
              <span class="row-top">
                <span class={`chip status-${f.status}`}>{statusLabel(f.status)}</span>
                {awaitsAcceptance(f) && (
                  <span class="chip status-open" data-testid="finding-not-accepted">
                    {t('finding.not_accepted')}
                  </span>
                )}
                <span class="row-cat">{categoryLabel(f.category)}</span>
                <StateChips pending={f.pending} rejected={rejected.has(f.id)} />
              </span>
              <span class="row-main">{f.description || t('finding.no_description')}</span>
              <span class="row-sub">
                {f.location}
                {f.due_date && (
                  <span class={late ? 'late' : undefined}>
                    {f.location ? ' · ' : ''}
                    {t('finding.due_on', { date: day(f.due_date, lang.value) })}
                  </span>
                )}
              </span>
            </Link>
          </li>
        );
      })}
    </ul>
    {rest > 0 && (
      <button type="button" class="secondary" onClick={() => setShown(shown + PAGE)} data-testid="findings-more">
        {t('findings.more', { n: Math.min(rest, PAGE) })}
      </button>
    )}
    </>
  );
}

export function FindingsList({ user }: { user: User }) {
  const st = statusFilter.value;
  const site = siteFilter.value;
  const list = sortFindings(
    findings.value.filter((f) => (st === '' || f.status === st) && (site === '' || String(f.site_id) === site)),
  );
  return (
    <Screen title={t('findings.title')}>
      <button type="button" class="btn btn-primary btn-block-top" onClick={() => navigate('finding-new')} data-testid="finding-new">
        + {t('findings.new')}
      </button>
      <div class="filters">
        <div class="field">
          <label for="filter-status">{t('findings.filter_status')}</label>
          <select id="filter-status" value={st} onChange={(e) => (statusFilter.value = e.currentTarget.value)} data-testid="filter-status">
            <option value="">{t('common.all')}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {statusLabel(s)}
              </option>
            ))}
          </select>
        </div>
        {user.sites.length > 1 && (
          <div class="field">
            <SitePicker sites={user.sites} value={site} onChange={(v) => (siteFilter.value = v)} id="filter-site" testid="filter-site" first="all" />
          </div>
        )}
      </div>
      <p class="muted" aria-live="polite" data-testid="findings-count">
        {t('findings.count', { n: list.length })}
      </p>
      {list.length === 0 ? (
        <FindingRows list={list} empty={ready.value ? t('findings.empty') : t('common.loading')} />
      ) : (
        <BySite list={list} siteOf={(f) => f.site_id} grouped={user.sites.length > 1 && site === ''}>
          {(items) => <FindingRows list={items} empty="" />}
        </BySite>
      )}
    </Screen>
  );
}
