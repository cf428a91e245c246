// The audit log for managers (their sites) and admins: a site and a period, newest first,
// paged back with `before_id`, and the same entries as CSV. The server words every action in
// the caller's language (server/audit/words.py); online only: the log is the server's.
import { useEffect, useState } from 'preact/hooks';
import type { User } from '../app/api-types';
import { Screen } from '../app/common';
import { todayOnSite } from '../app/site';
import { online } from '../app/state';
import { SitePicker } from '../app/ui';
import { FieldError } from '../admin/form';
import { t } from '../i18n';
import { errorText } from '../i18n/errors';
import { api } from '../sync/api';

export interface AuditEntry {
  id: number;
  at: string;
  user_name: string;
  source_text: string;
  action_text: string;
  outcome_text: string;
  target: string;
  device_id: string;
  device_time: string;
}

const PAGE = 100;

/** `day` (YYYY-MM-DD) moved by `n` days, on the calendar (no time zone involved). */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

export function auditQuery(site: string, from: string, to: string, extra: Record<string, string> = {}): string {
  return `/api/audit/?${new URLSearchParams({ site_id: site, from, to, ...extra }).toString()}`;
}

export function AuditLog({ user }: { user: User }) {
  const [site, setSite] = useState(user.sites[0]?.id ?? '');
  const [to, setTo] = useState(todayOnSite.value);
  const [from, setFrom] = useState(addDays(todayOnSite.value, -6));
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [more, setMore] = useState(false);
  const [problem, setProblem] = useState<{ period: boolean; text: string } | null>(null);

  async function load(before?: number) {
    setProblem(null);
    try {
      const extra: Record<string, string> = { limit: String(PAGE) };
      if (before !== undefined) extra.before_id = String(before);
      const page = await api.get<AuditEntry[]>(auditQuery(site, from, to, extra));
      setEntries(before === undefined ? page : [...(entries ?? []), ...page]);
      setMore(page.length === PAGE);
    } catch (e) {
      const code = (e as { code?: string }).code;
      setProblem({ period: code === 'invalid_period' || code === 'invalid_args', text: errorText(e) });
    }
  }

  useEffect(() => {
    if (online.value && site) void load();
  }, [site, online.value]);

  return (
    <Screen title={t('audit.title')}>
      <p class="muted">{t('audit.intro')}</p>
      {!online.value && <p class="notice">{t('audit.online_only')}</p>}
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          void load();
        }}
      >
        <SitePicker sites={user.sites} id="audit-site" testid="audit-site" value={site} onChange={setSite} />
        <label for="audit-from">{t('audit.from')}</label>
        <input id="audit-from" type="date" value={from} onInput={(e) => setFrom(e.currentTarget.value)} data-testid="audit-from" />
        <label for="audit-to">{t('audit.to')}</label>
        <input id="audit-to" type="date" value={to} onInput={(e) => setTo(e.currentTarget.value)} data-testid="audit-to" />
        <FieldError field="period" text={problem?.period ? problem.text : null} />
        <div class="actions">
          <button type="submit" class="btn" disabled={!online.value || !site} data-testid="audit-show">
            {t('audit.show')}
          </button>
          <a class="btn btn-light" href={auditQuery(site, from, to, { format: 'csv', limit: '500' })} download data-testid="audit-csv">
            {t('audit.csv')}
          </a>
        </div>
      </form>
      {problem && !problem.period && (
        <p class="error" role="alert">
          {problem.text}
        </p>
      )}
      {entries && entries.length === 0 && <p class="muted">{t('audit.none')}</p>}
      {entries && entries.length > 0 && (
        <ul class="rows" data-testid="audit-entries">
          {entries.map((e) => (
            <li key={e.id} class="row" data-testid="audit-entry">
              <span class="row-main">
                {e.action_text} · {e.outcome_text}
              </span>
              <span class="row-sub">
                {e.at} · {e.user_name} · {e.source_text}
                {e.device_time && ` · ${t('audit.device_time')} ${e.device_time}`}
              </span>
              <span class="row-sub">
                {t('audit.target_is', { target: e.target })}
              </span>
            </li>
          ))}
        </ul>
      )}
      {more && entries && (
        <button type="button" class="btn btn-light" onClick={() => void load(entries[entries.length - 1]!.id)} data-testid="audit-more">
          {t('audit.more')}
        </button>
      )}
    </Screen>
  );
}
