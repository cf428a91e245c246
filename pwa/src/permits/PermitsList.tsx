// 卡证办理 (the customer-service desk): monthly permits about to expire, the
// site's permits with their status, and the forms to issue, renew and revoke
// (each an outbox intent: works offline, decided by the server).
import { useState } from 'preact/hooks';
import type { User } from '../app/api-types';
import { NoticeItem, Screen } from '../app/common';
import { notices } from '../app/data';
import { day } from '../app/format';
import { clock, todayOnSite } from '../app/site';
import { goBack, navigate, online } from '../app/state';
import { SitePicker, useLoad } from '../app/ui';
import { lang, t } from '../i18n';
import { issuePermit, permits, queuedIssues, renewPermit, revokePermit, type Permit } from './store';

/** Monthly permits are listed this many days before their last day, unless the site says otherwise. */
export const REMINDER_DAYS = 7;
const DAY_S = 86_400;

/** "300" or "300.50" yuan as integer fen; null when it is no amount. */
export function fenOf(text: string): number | null {
  const m = /^\s*(\d{1,7})(?:\.(\d{1,2}))?\s*$/.exec(text);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/** Monthly permits in force, not renewed, whose period ends within `days`. */
export function expiringSoon(list: readonly Permit[], nowS: number, days: number = REMINDER_DAYS): Permit[] {
  return list
    .filter((p) => p.kind === 'monthly_parking' && p.status === 'issued' && !p.renewed_by && p.expires > nowS && p.expires - nowS <= (days + 1) * DAY_S)
    .sort((a, b) => a.expires - b.expires);
}

function statusOf(p: Permit, nowS: number): string {
  if (p.status === 'revoked') return t('permits.status.revoked');
  if (p.used_at) return t('permits.status.used');
  if (p.expires <= nowS) return t('permits.status.expired');
  return t('permits.status.issued');
}

export function PermitsList({ user }: { user: User }) {
  const [siteId, setSiteId] = useState(user.sites[0]?.id ?? '');
  // The site's own reminder days, when online (the list itself is this phone's, offline too).
  const site = useLoad<{ days: number }>(online.value && siteId ? `/api/permits/reminders?site_id=${encodeURIComponent(siteId)}` : null, [siteId]);
  const days = site.data?.days ?? REMINDER_DAYS;
  const nowS = clock.value / 1000;
  const mine = permits.value.filter((p) => String(p.site_id) === siteId);
  const soon = expiringSoon(mine, nowS, days);
  const refused = notices.value.filter((n) => n.collection === 'permits' && n.kind === 'rejected');
  return (
    <Screen title={t('permits.title')} back={() => goBack('home')}>
      <div class="scan-actions">
        <button type="button" class="btn btn-primary btn-block" onClick={() => navigate('permit-scan')} data-testid="permits-open-scan">
          {t('permits.scan_title')}
        </button>
      </div>
      {refused.map((n) => (
        <NoticeItem key={n.id} n={n} />
      ))}
      {user.sites.length > 1 && <SitePicker sites={user.sites} value={siteId} onChange={setSiteId} id="permits-site" />}
      <section class="card" data-testid="permit-reminders">
        <h2>{t('permits.reminders', { days })}</h2>
        {soon.length === 0 ? (
          <p class="muted">{t('permits.reminders_none')}</p>
        ) : (
          soon.map((p) => <PermitRow key={p.id} p={p} nowS={nowS} soon />)
        )}
      </section>
      <IssueForm siteId={siteId} />
      <section class="card" data-testid="permit-list">
        <h2>{t('permits.list')}</h2>
        {queuedIssues.value.map((m) => (
          <p key={m.id} class="muted" data-testid="permit-queued">
            {String((m.args.details as Record<string, unknown> | undefined)?.plate ?? '')} · {t('permits.status.pending')}
          </p>
        ))}
        {mine.length === 0 ? <p class="muted">{t('permits.none')}</p> : mine.map((p) => <PermitRow key={p.id} p={p} nowS={nowS} />)}
      </section>
    </Screen>
  );
}

function PermitRow({ p, nowS, soon = false }: { p: Permit; nowS: number; soon?: boolean }) {
  const [open, setOpen] = useState<'renew' | 'revoke' | null>(null);
  const l = lang.value;
  const days = Math.ceil((p.expires - nowS) / DAY_S) - 1;
  return (
    <div class="permit-row" data-testid={soon ? 'permit-reminder' : 'permit-row'} data-subject={p.subject}>
      <span class="permit-subject">{p.subject}</span>
      <span>{t(`permits.kind.${p.kind}`)}</span>
      <span class="muted">{t('permits.serial', { n: String(p.serial).padStart(6, '0') })}</span>
      <span class="muted">{t('permits.valid_range', { from: day(p.valid_from, l), to: day(p.valid_to, l) })}</span>
      <span class="tag" data-testid="permit-status">
        {statusOf(p, nowS)}
        {p.pending ? ` · ${t('permits.status.pending')}` : ''}
      </span>
      {soon && <span class="tag">{t('permits.expires_in', { n: Math.max(days, 0) })}</span>}
      <a class="btn btn-light" href={`/api/permits/${encodeURIComponent(p.id)}.pdf`} target="_blank" rel="noopener">
        {t('permits.print')}
      </a>
      {p.status === 'issued' && !p.renewed_by && (
        <>
          <button type="button" class="btn btn-light" onClick={() => setOpen('renew')} data-testid="permit-renew">
            {t('permits.renew')}
          </button>
          <button type="button" class="btn btn-light" onClick={() => setOpen('revoke')} data-testid="permit-revoke">
            {t('permits.revoke')}
          </button>
        </>
      )}
      {open === 'renew' && <RenewForm p={p} done={() => setOpen(null)} />}
      {open === 'revoke' && <RevokeForm p={p} done={() => setOpen(null)} />}
    </div>
  );
}

function RenewForm({ p, done }: { p: Permit; done: () => void }) {
  const [to, setTo] = useState('');
  const [fee, setFee] = useState(p.fee_fen === null ? '' : (p.fee_fen / 100).toFixed(2));
  const [error, setError] = useState<'to' | 'fee' | null>(null);
  async function submit(e: Event) {
    e.preventDefault();
    if (!to) return setError('to');
    const fen = p.kind === 'monthly_parking' ? fenOf(fee) : null;
    if (p.kind === 'monthly_parking' && fen === null) return setError('fee');
    await renewPermit(p.id, to, fen ?? undefined);
    done();
  }
  return (
    <form class="card" onSubmit={submit}>
      <label for={`renew-to-${p.id}`}>{t('permits.renew_to')}</label>
      <input id={`renew-to-${p.id}`} type="date" value={to} onInput={(e) => setTo(e.currentTarget.value)} data-testid="renew-to" />
      {error === 'to' && <p class="error">{t('permits.required')}</p>}
      {p.kind === 'monthly_parking' && (
        <>
          <label for={`renew-fee-${p.id}`}>{t('permits.fee')}</label>
          <input id={`renew-fee-${p.id}`} inputMode="decimal" value={fee} onInput={(e) => setFee(e.currentTarget.value)} data-testid="renew-fee" />
          {error === 'fee' && <p class="error">{t('permits.fee_invalid')}</p>}
        </>
      )}
      <button type="submit" class="btn btn-primary" data-testid="renew-submit">
        {t('permits.renew')}
      </button>
    </form>
  );
}

function RevokeForm({ p, done }: { p: Permit; done: () => void }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState(false);
  async function submit(e: Event) {
    e.preventDefault();
    if (!reason.trim()) return setError(true);
    await revokePermit(p.id, reason.trim());
    done();
  }
  return (
    <form class="card" onSubmit={submit}>
      <label for={`revoke-${p.id}`}>{t('permits.revoke_reason')}</label>
      <input id={`revoke-${p.id}`} value={reason} onInput={(e) => setReason(e.currentTarget.value)} data-testid="revoke-reason" />
      {error && <p class="error">{t('permits.required')}</p>}
      <button type="submit" class="btn btn-danger" data-testid="revoke-submit">
        {t('permits.revoke')}
      </button>
    </form>
  );
}

type Kind = 'monthly_parking' | 'release_pass';

function IssueForm({ siteId }: { siteId: string }) {
  const [kind, setKind] = useState<Kind>('monthly_parking');
  const [plate, setPlate] = useState('');
  const [space, setSpace] = useState('');
  const [vehicle, setVehicle] = useState('small');
  const [fee, setFee] = useState('');
  const [unit, setUnit] = useState('');
  const [items, setItems] = useState('');
  const [from, setFrom] = useState(todayOnSite.value);
  const [to, setTo] = useState('');
  const [error, setError] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    const bad: Record<string, string> = {};
    const need = (name: string, v: string) => {
      if (!v.trim()) bad[name] = t('permits.required');
    };
    need('from', from);
    let details: Record<string, unknown>;
    if (kind === 'monthly_parking') {
      need('plate', plate);
      need('space', space);
      need('to', to);
      const fen = fenOf(fee);
      if (fen === null) bad.fee = t('permits.fee_invalid');
      details = { kind, plate: plate.trim(), space: space.trim(), vehicle_class: vehicle, fee_fen: fen ?? 0 };
    } else {
      need('unit', unit);
      const list = items.split('\n').map((s) => s.trim()).filter(Boolean);
      if (!list.length) bad.items = t('permits.required');
      details = { kind, unit_id: Number(unit), items: list };
    }
    setError(bad);
    if (Object.keys(bad).length) return;
    await issuePermit({ site_id: Number(siteId), valid_from: from, valid_to: kind === 'release_pass' ? from : to, details });
    setSaved(true);
    setPlate('');
    setItems('');
  }

  const err = (name: string) =>
    error[name] ? (
      <p class="error" data-testid={`issue-error-${name}`}>
        {error[name]}
      </p>
    ) : null;
  return (
    <form class="card" onSubmit={submit} data-testid="permit-issue">
      <h2>{t('permits.issue')}</h2>
      <label for="issue-kind">{t('permits.kind')}</label>
      <select id="issue-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as Kind)} data-testid="issue-kind">
        <option value="monthly_parking">{t('permits.kind.monthly_parking')}</option>
        <option value="release_pass">{t('permits.kind.release_pass')}</option>
      </select>
      {kind === 'monthly_parking' ? (
        <>
          <label for="issue-plate">{t('permits.plate')}</label>
          <input id="issue-plate" value={plate} onInput={(e) => setPlate(e.currentTarget.value)} data-testid="issue-plate" />
          {err('plate')}
          <label for="issue-space">{t('permits.space')}</label>
          <input id="issue-space" value={space} onInput={(e) => setSpace(e.currentTarget.value)} data-testid="issue-space" />
          {err('space')}
          <label for="issue-vehicle">{t('permits.vehicle_class')}</label>
          <select id="issue-vehicle" value={vehicle} onChange={(e) => setVehicle(e.currentTarget.value)}>
            <option value="small">{t('permits.vehicle.small')}</option>
            <option value="large">{t('permits.vehicle.large')}</option>
            <option value="new_energy">{t('permits.vehicle.new_energy')}</option>
          </select>
          <label for="issue-fee">{t('permits.fee')}</label>
          <input id="issue-fee" inputMode="decimal" value={fee} onInput={(e) => setFee(e.currentTarget.value)} data-testid="issue-fee" />
          {err('fee')}
        </>
      ) : (
        <>
          <label for="issue-unit">{t('permits.unit_id')}</label>
          <input id="issue-unit" inputMode="numeric" value={unit} onInput={(e) => setUnit(e.currentTarget.value)} data-testid="issue-unit" />
          {err('unit')}
          <label for="issue-items">{t('permits.items')}</label>
          <textarea id="issue-items" rows={3} value={items} onInput={(e) => setItems(e.currentTarget.value)} data-testid="issue-items" />
          {err('items')}
        </>
      )}
      <label for="issue-from">{t('permits.from')}</label>
      <input id="issue-from" type="date" value={from} onInput={(e) => setFrom(e.currentTarget.value)} data-testid="issue-from" />
      {err('from')}
      {kind === 'monthly_parking' && (
        <>
          <label for="issue-to">{t('permits.to')}</label>
          <input id="issue-to" type="date" value={to} onInput={(e) => setTo(e.currentTarget.value)} data-testid="issue-to" />
          {err('to')}
        </>
      )}
      <button type="submit" class="btn btn-primary" data-testid="issue-submit">
        {t('permits.submit_issue')}
      </button>
      {saved && (
        <p class="ok" role="status" data-testid="issue-saved">
          {t('permits.saved')}
        </p>
      )}
    </form>
  );
}
