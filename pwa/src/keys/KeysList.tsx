// 钥匙管理: the site's keys with status and holder (overdue marked), keys I
// hold, "scan a tag", and for supervisors the movements report (CSV).
import { useEffect, useState } from 'preact/hooks';
import type { User } from '../app/api-types';
import { refreshSite } from '../app/cache';
import { Link, Screen } from '../app/common';
import { me, ready } from '../app/data';
import { clock, todayOnSite, unitById } from '../app/site';
import { navigate, online } from '../app/state';
import { BySite, PendingChip, SitePicker, unitText, when } from '../app/ui';
import { t } from '../i18n';
import { sortKeys, type Key } from './key';
import { keyKindText, keyStatusText } from './labels';
import { ScanKey } from './ScanKey';
import { holderName, keyOverdue, keys } from './store';

export function KeysList({ user }: { user: User }) {
  const [q, setQ] = useState('');
  const [siteFilter, setSiteFilter] = useState(user.sites.length === 1 ? user.sites[0]!.id : '');
  useEffect(() => {
    if (online.value) for (const s of user.sites) void refreshSite(s.id);
  }, []);
  const now = clock.value;
  const needle = q.trim().toLowerCase();
  const all = sortKeys(
    keys.value.filter((k) => siteFilter === '' || String(k.site_id) === siteFilter),
    now,
  );
  const shown = all.filter(
    (k) => needle === '' || k.code.toLowerCase().includes(needle) || k.label.toLowerCase().includes(needle) || unitText(unitById(k.unit_id), null).toLowerCase().includes(needle),
  );
  const mine = all.filter((k) => k.status === 'out' && k.holder_id === me.value);
  const toMe = all.filter((k) => k.status === 'out' && k.handover_to === me.value);
  const out = all.filter((k) => k.status === 'out');
  const supervisor = user.roles.includes('supervisor');
  const keeper = supervisor || user.roles.includes('admin');


  return (
    <Screen title={t('keys.title')}>
      <ScanKey label={t('keys.scan')} onKey={(k, tag) => navigate(tag ? { name: 'key-tag', token: tag } : { name: 'key', id: k.id })} />
      {toMe.length > 0 && (
        <section class="card notice-warn" aria-labelledby="tome-h">
          <h2 id="tome-h">{t('keys.to_me')}</h2>
          <KeyRows list={toMe} now={now} />
        </section>
      )}
      {mine.length > 0 && (
        <section class="card" aria-labelledby="mine-h" data-testid="keys-mine">
          <h2 id="mine-h">{t('keys.mine')}</h2>
          <KeyRows list={mine} now={now} />
        </section>
      )}
      <section class="card" aria-labelledby="all-h">
        <h2 id="all-h">
          {t('keys.all')} <span class="muted">({t('keys.out_count', { out: out.length, n: all.length })})</span>
        </h2>
        <div class="filters">
          {user.sites.length > 1 && (
            <div class="field">
              <SitePicker sites={user.sites} value={siteFilter} onChange={setSiteFilter} id="k-site" first="all" />
            </div>
          )}
          <div class="field">
            <label for="k-q">{t('keys.search')}</label>
            <input id="k-q" type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} data-testid="keys-search" />
          </div>
        </div>
        {shown.length === 0 ? (
          <p class="muted">{ready.value ? t('keys.none') : t('common.loading')}</p>
        ) : (
          <BySite list={shown} siteOf={(k) => k.site_id} grouped={user.sites.length > 1 && siteFilter === ''}>
            {(items) => <KeyRows list={items} now={now} />}
          </BySite>
        )}
      </section>
      {keeper && (
        <section class="card">
          <Link to={{ name: 'admin', section: 'keys' }} class="btn btn-light-outline btn-block" attrs={{ 'data-testid': 'keys-register' }}>
            {t('keys.register_and_print')}
          </Link>
        </section>
      )}
      {supervisor && <Movements user={user} today={todayOnSite.value} />}
    </Screen>
  );
}

export function KeyRows({ list, now }: { list: Key[]; now: number }) {
  return (
    <ul class="rows">
      {list.map((k) => {
        const late = keyOverdue(k, now);
        return (
          <li key={k.id}>
            <Link to={{ name: 'key', id: k.id }} class="row" attrs={{ 'data-testid': 'key-row', 'data-id': k.id, 'data-status': k.status, 'data-overdue': String(late) }}>
              <span class="row-top">
                <span class="row-main">{k.code}</span>
                <span class={`chip kstatus-${k.status}`}>{keyStatusText(k.status)}</span>
                {late && <span class="chip chip-late">{t('key.overdue')}</span>}
                {k.kind === 'entrusted' && <span class="chip">{keyKindText(k.kind)}</span>}
                <PendingChip n={k.pending} />
              </span>
              <span class="row-sub">
                {[k.label || unitText(unitById(k.unit_id), k.unit_id), k.status === 'out' ? `${holderName(k)} · ${when(k.out_since)}` : k.storage_place]
                  .filter(Boolean)
                  .join(' · ')}
              </span>
            </Link>
          </li>
        );
      })}
    </ul>
  );
}

/** All key movements of a period, as a CSV download (the server's report). */
function Movements({ user, today }: { user: User; today: string }) {
  const [site, setSite] = useState(user.sites[0]?.id ?? '');
  const [from, setFrom] = useState(today.slice(0, 8) + '01');
  const [to, setTo] = useState(today);
  if (!site) return null;
  const href = `/api/sites/${encodeURIComponent(site)}/key-events?from=${from}&to=${to}&format=csv`;
  return (
    <section class="card form" aria-labelledby="mv-h">
      <h2 id="mv-h">{t('keys.movements')}</h2>
      {user.sites.length > 1 && (
        <SitePicker sites={user.sites} value={site} onChange={setSite} id="mv-site" />
      )}
      <label for="mv-from">{t('keys.from')}</label>
      <input id="mv-from" type="date" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
      <label for="mv-to">{t('keys.to')}</label>
      <input id="mv-to" type="date" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
      {online.value ? (
        <a class="btn btn-light-outline btn-block link-btn" href={href} download data-testid="keys-movements-csv">
          {t('keys.export_csv')}
        </a>
      ) : (
        <p class="muted hint">{t('common.needs_network')}</p>
      )}
    </section>
  );
}
