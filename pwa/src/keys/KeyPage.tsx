// One key (from the list, or from its QR tag `/k/<token>`, offline too): its
// custody now, what I may do with it (predicted; the server decides), the
// owner's authorisation for an entrusted key, and the ledger. Checkout and
// receipt send the scanned token: only a page opened from the tag offers them.
import { useEffect, useState } from 'preact/hooks';
import type { User } from '../app/api-types';
import { Link, Screen } from '../app/common';
import { me, memberName, members, ready, refreshMembers } from '../app/data';
import { actor, clock, siteName, todayOnSite, unitById } from '../app/site';
import { goBack, navigate, online } from '../app/state';
import { Kv, PendingChip, RecordNotices, unitText, when } from '../app/ui';
import { t } from '../i18n';
import { errorText } from '../i18n/errors';
import { PhotoStrip } from '../photos/Photos';
import { authorizationValid, PURPOSES, receiptWaits, refusal, type Intent, type Key, type Purpose } from './key';
import { tagHash } from '../scan/token';
import { eventText, keyKindText, keyStatusText, purposeText } from './labels';
import { ScanKey } from './ScanKey';
import { holderName, keyIntent, keyLedger, keyOverdue, keys } from './store';

export function KeyByToken({ user, token }: { user: User; token: string }) {
  // Keys carry the token's hash only: hashed once, looked up on every change of the list.
  const [hash, setHash] = useState<string | null>(null);
  useEffect(() => {
    void tagHash(token).then(setHash);
  }, [token]);
  const k = hash === null ? null : keys.value.find((x) => x.tag_hash === hash) ?? null;
  const back = () => goBack('keys');
  if (!k) {
    return (
      <Screen title={t('key.title')} back={back}>
        <p class="notice" data-testid="key-missing">
          {ready.value && hash !== null ? t('key.tag_unknown') : t('common.loading')}
        </p>
      </Screen>
    );
  }
  // Reached by the key's tag: the person has the key in hand and may confirm a receipt.
  return <KeyScreen user={user} id={k.id} tag={token} />;
}

/** `tag`: the token scanned from the key's tag (null when opened from a list). */
export function KeyScreen({ user, id, tag = null }: { user: User; id: string; tag?: string | null }) {
  const k = keys.value.find((x) => x.id === id) ?? null;
  const back = () => goBack('keys');
  return (
    <Screen title={k ? t('key.title_code', { code: k.code }) : t('key.title')} back={back}>
      <RecordNotices recordId={id} />
      {k ? (
        <KeyBody key={k.id} user={user} k={k} tag={tag} />
      ) : (
        <p class="muted" data-testid="key-missing">
          {ready.value ? t('key.missing') : t('common.loading')}
        </p>
      )}
    </Screen>
  );
}

function inHours(h: number): string {
  const d = new Date(Date.now() + h * 3_600_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function KeyBody({ user, k, tag }: { user: User; k: Key; tag: string | null }) {
  const [purpose, setPurpose] = useState<Purpose>('patrol');
  const [expected, setExpected] = useState(() => inHours(2));
  const [to, setTo] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const a = actor.value;
  const today = todayOnSite.value;
  const why = (i: Intent) => refusal(k, i, a, today);
  const site = k.site_id === null ? null : String(k.site_id);
  const colleagues = (site ? members.value.get(site) ?? [] : []).filter((m) => m.id !== me.value);
  useEffect(() => {
    if (site && !members.value.has(site) && online.value) void refreshMembers([site]);
  }, [site]);
  const unit = unitById(k.unit_id);
  const late = keyOverdue(k, clock.value);
  const mineOut = k.status === 'out' && k.holder_id === me.value;
  const events = keyLedger(k.id);
  const keeper = user.roles.includes('supervisor') || user.roles.includes('admin');
  const receiveWhy = why('receive');
  const iWait = k.status === 'out' && k.receipt_by !== null && k.receipt_by === me.value && k.holder_id !== me.value;
  const scanned = tag !== null;
  // Checkout or receipt would be possible but needs the tag in hand.
  const scanFirst = !scanned && ((k.status === 'in' && why('checkout') === null) || (receiveWhy === null && !iWait && !receiptWaits(k, a)));
  // A sync that lands changes what may be done: an earlier "done" line no longer holds.
  useEffect(() => {
    setDone(null);
    setError(null);
  }, [k.revision]);

  async function act(intent: Intent, extra: Parameters<typeof keyIntent>[2] = {}, confirmText?: string) {
    if (busy) return;
    if (confirmText && !confirm(confirmText)) return;
    setBusy(true);
    setError(null);
    try {
      const waits = intent === 'receive' && receiptWaits(k, a);
      await keyIntent(k.id, intent, extra);
      setDone(waits ? t('key.done.receive_waiting') : t(`key.done.${intent}`));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  const checkoutWhy = why('checkout');
  const expectedIso = expected ? new Date(expected).toISOString() : null;

  return (
    <>
      <section class="card" data-testid="key-page" data-id={k.id}>
        <div class="row-top">
          <span class={`chip kstatus-${k.status}`} data-testid="key-status" data-status={k.status} data-holder={k.holder_id ?? ''}>
            {keyStatusText(k.status)}
          </span>
          {late && (
            <span class="chip chip-late" data-testid="key-overdue">
              {t('key.overdue')}
            </span>
          )}
          <PendingChip n={k.pending} />
        </div>
        <dl class="kvs">
          <Kv label={t('key.code')}>{k.code}</Kv>
          <Kv label={t('key.kind')}>{keyKindText(k.kind)}</Kv>
          <Kv label={t('common.site')}>{siteName(k.site_id)}</Kv>
          <Kv label={t('key.unit')}>{k.label || unitText(unit, k.unit_id)}</Kv>
          <Kv label={t('key.storage')}>{k.storage_place}</Kv>
          {k.status === 'out' && (
            <>
              <Kv label={t('key.holder')} testid="key-holder">
                {holderName(k)}
              </Kv>
              <Kv label={t('key.out_since')}>{when(k.out_since)}</Kv>
              <Kv label={t('key.purpose')}>{purposeText(k.purpose)}</Kv>
              <Kv label={t('key.expected_return')}>{when(k.expected_return)}</Kv>
            </>
          )}
          {k.handover_to !== null && <Kv label={t('key.handover_to')}>{memberName(k.handover_to)}</Kv>}
        </dl>
      </section>

      {k.kind === 'entrusted' && (
        <section class="card" aria-labelledby="auth-h" data-testid="key-authorization">
          <h2 id="auth-h">{t('key.authorization')}</h2>
          <dl class="kvs">
            <Kv label={t('key.owner')}>{[k.owner_name, k.owner_phone].filter(Boolean).join(' · ')}</Kv>
            <Kv label={t('key.authorized_people')}>{k.authorized_people}</Kv>
            <Kv label={t('key.valid_until')}>
              {k.authorization_until ?? ''}{' '}
              {authorizationValid(k, today) ? (
                <span class="chip chip-ok" data-testid="key-auth-valid">
                  {t('key.auth_valid')}
                </span>
              ) : (
                <span class="chip chip-late" data-testid="key-auth-expired">
                  {t('key.auth_expired')}
                </span>
              )}
            </Kv>
          </dl>
          <PhotoStrip hashes={k.authorization_photos} testid="key-authorization-photos" />
        </section>
      )}

      <section class="card form" aria-labelledby="act-h">
        <h2 id="act-h">{t('key.actions')}</h2>
        {done && (
          <p class="muted hint" role="status" data-testid="key-done">
            {done}
            {/* Only while it really waits: unsynced and offline. */}
            {k.pending > 0 && !online.value && <span data-testid="key-unsynced">{t('key.sync_when_online')}</span>}
          </p>
        )}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}

        {scanFirst && (
          <div class="notice" data-testid="key-scan-first">
            {receiveWhy === null && <p>{t('key.handover_to_you', { name: holderName(k) })}</p>}
            <p>{t('key.scan_to_take')}</p>
            <ScanKey label={t('keys.scan')} onKey={(found, scannedTag) => navigate(scannedTag ? { name: 'key-tag', token: scannedTag } : { name: 'key', id: found.id })} />
          </div>
        )}

        {receiveWhy === null && !iWait && scanned && (
          <div class="notice notice-warn" data-testid="key-receive-offer" data-waits={String(receiptWaits(k, a))}>
            <p>{receiptWaits(k, a) ? t('key.receive_by_scan', { name: holderName(k) }) : t('key.handover_to_you', { name: holderName(k) })}</p>
            <button type="button" class="btn btn-primary btn-block" disabled={busy} onClick={() => void act('receive', { tag: tag ?? undefined })} data-testid="key-receive">
              {t('key.receive')}
            </button>
          </div>
        )}

        {iWait && (
          <p class="notice" role="status" data-testid="key-receipt-waiting">
            {t('key.receipt_waiting', { name: holderName(k) })}
          </p>
        )}

        {k.status === 'in' &&
          (checkoutWhy === null ? (
            scanned && (
              <>
                <label for="k-purpose">{t('key.purpose')}</label>
                <select id="k-purpose" value={purpose} onChange={(e) => setPurpose(e.currentTarget.value as Purpose)} data-testid="key-purpose">
                  {PURPOSES.map((p) => (
                    <option key={p} value={p}>
                      {purposeText(p)}
                    </option>
                  ))}
                </select>
                <label for="k-expected">{t('key.expected_return')}</label>
                <input id="k-expected" type="datetime-local" value={expected} onInput={(e) => setExpected(e.currentTarget.value)} data-testid="key-expected" />
                <button
                  type="button"
                  class="btn btn-primary btn-block"
                  disabled={busy}
                  onClick={() => void act('checkout', { purpose, expected_return: expectedIso, tag: tag ?? undefined })}
                  data-testid="key-checkout"
                >
                  {t('key.checkout')}
                </button>
              </>
            )
          ) : (
            <p class="notice" data-testid="key-checkout-refused" data-code={checkoutWhy}>
              {errorText({ code: checkoutWhy })}
            </p>
          ))}

        {k.status === 'out' && !mineOut && k.handover_to !== me.value && !iWait && (
          <p class="muted" data-testid="key-out-with">
            {t('key.out_with', { name: holderName(k) })}
          </p>
        )}

        {mineOut && k.unit_id !== null && (
          <Link to={{ name: 'patrol-unit', unit: k.unit_id, key: k.id }} class="btn btn-light-outline btn-block link-btn" attrs={{ 'data-testid': 'key-patrol' }}>
            {t('key.patrol_unit')}
          </Link>
        )}

        {why('checkin') === null && (
          <button type="button" class="btn btn-primary btn-block" disabled={busy} onClick={() => void act('checkin')} data-testid="key-checkin">
            {k.holder_id === me.value ? t('key.checkin') : t('key.checkin_for', { name: holderName(k) })}
          </button>
        )}

        {why('handover') === null && (
          <>
            <label for="k-to">{t('key.handover_pick')}</label>
            <select id="k-to" value={to} onChange={(e) => setTo(e.currentTarget.value)} data-testid="key-handover-to">
              <option value="">{t('common.choose')}</option>
              {colleagues.map((m) => (
                <option key={m.id} value={String(m.id)}>
                  {m.display_name || m.username}
                </option>
              ))}
            </select>
            {colleagues.length === 0 && <p class="muted hint">{t('key.no_colleagues')}</p>}
            <button
              type="button"
              class="btn btn-light-outline btn-block"
              disabled={busy || to === ''}
              onClick={() => void act('handover', { to_user_id: Number(to) })}
              data-testid="key-handover"
            >
              {t('key.handover')}
            </button>
            {k.handover_to !== null && <p class="muted hint">{t('key.handover_waiting', { name: memberName(k.handover_to) })}</p>}
          </>
        )}

        <div class="actions">
          {k.kind === 'entrusted' && why('return_to_owner') === null && (
            <button type="button" class="btn btn-light-outline" disabled={busy} onClick={() => void act('return_to_owner', {}, t('key.return_confirm'))} data-testid="key-return-owner">
              {t('key.return_to_owner')}
            </button>
          )}
          {why('lost') === null && k.status !== 'lost' && (
            <button type="button" class="btn btn-danger" disabled={busy} onClick={() => void act('lost', {}, t('key.lost_confirm'))} data-testid="key-lost">
              {t('key.lost')}
            </button>
          )}
        </div>
        {keeper && (
          <div class="actions">
            {online.value && k.tag_hash && (
              <a class="btn btn-light-outline link-btn" href={`/api/keys/labels.pdf?ids=${encodeURIComponent(k.id)}`} target="_blank" rel="noopener" data-testid="key-print">
                {t('key.print_label')}
              </a>
            )}
            <button type="button" class="btn btn-light-outline" onClick={() => navigate({ name: 'admin', section: `keys:${k.id}` })} data-testid="key-edit">
              {t('key.edit')}
            </button>
          </div>
        )}
      </section>

      <section class="card" aria-labelledby="ledger-h" data-testid="key-ledger">
        <h2 id="ledger-h">{t('key.ledger')}</h2>
        {events.length === 0 ? (
          <p class="muted">{t('key.ledger_empty')}</p>
        ) : (
          <ol class="ledger">
            {[...events].reverse().map((e) => (
              <li key={e.id} data-testid="ledger-event" data-kind={e.kind} data-pending={String(e.pending)} data-by={e.by_id ?? ''} data-device-at={e.device_at ?? ''}>
                <span class="ledger-when">{when(e.device_at ?? e.at)}</span>{' '}
                <strong>{eventText(e.kind)}</strong> · {memberName(e.by_id)}
                {e.purpose && ` · ${purposeText(e.purpose)}`}
                {e.to_user_id !== null && ` → ${memberName(e.to_user_id)}`}
                {e.note && ` · ${e.note}`}
                {e.waiting && ` · ${t('key.ledger_waited')}`}
                {e.pending && <span class="chip chip-pending">{t('common.pending')}</span>}
              </li>
            ))}
          </ol>
        )}
      </section>
    </>
  );
}
