// Parking shifts in the review queue (issue 16): the shifts closed with a cash variance that
// wait for the supervisor, one shift on one screen with what she decides on (gate, cashier,
// times, float, expected cash against the count by denomination, 长款/短款, cards, bag, the
// slip), approve or send back with a comment; and today's shifts of her sites, read-only.
// The shifts come from the parking feature's own store (records pulled for the site).
import { signal } from '@preact/signals';
import { useEffect, useState } from 'preact/hooks';
import '../parking/texts';
import type { User } from '../app/api-types';
import { Link, Screen } from '../app/common';
import { memberName, mutate, ready } from '../app/data';
import { timeZone } from '../app/format';
import { siteName } from '../app/site';
import { goBack, leave, online, route } from '../app/state';
import { Kv, PendingChip, RecordNotices, when } from '../app/ui';
import { t, type MessageKey } from '../i18n';
import { errorText } from '../i18n/errors';
import { totals, yuanText, type Shift } from '../parking/shift';
import { refreshSetup, setupOf, shiftLedger, shifts, watchParking } from '../parking/store';
import { uuid } from '../sync/hlc';
import type { Decision, Reviewer } from './review';
import { shiftQueue, shiftRefusal, shiftReviewArgs, todaysShifts, varianceKind } from './shifts';
import './texts';

/** Review routes of a shift: /review/shift-<id> (a patrol's is /review/<id>). */
export const SHIFT_ROUTE = 'shift-';

/** What the last decision said, shown on the queue it returns to. */
const saved = signal<string | null>(null);

const yuan = (fen: number) => t('parking.yuan', { amount: yuanText(fen) });
const statusText = (s: string) => t(`parking.status.${s}` as MessageKey);

function reviewer(user: User, id: number | null): Reviewer {
  return { id, roles: user.roles, site_ids: user.sites.map((s) => s.id) };
}

function gateName(s: Shift): string {
  const g = s.site_id === null ? null : setupOf(String(s.site_id))?.setup.gates.find((x) => x.id === s.gate_id);
  return g?.name ?? `#${s.gate_id ?? ''}`;
}

function zoneOf(siteId: number): string {
  return setupOf(String(siteId))?.setup.timezone ?? timeZone.value;
}

/** The parking records and each site's gates (names), read once the review screens open. */
function useParking(user: User) {
  useEffect(() => {
    watchParking();
    if (online.value) for (const s of user.sites) if (!setupOf(s.id)) void refreshSetup(s.id);
  }, [user]);
}

export function VarianceText({ fen, testid }: { fen: number | null; testid?: string }) {
  const kind = varianceKind(fen);
  const abs = yuanText(Math.abs(fen ?? 0));
  return (
    <span class={kind === 'even' ? undefined : 'warn'} data-testid={testid} data-kind={kind} data-fen={fen ?? ''}>
      {kind === 'even' ? t('parking.review.even') : t(kind === 'over' ? 'parking.review.over' : 'parking.review.short', { yuan: abs })}
    </span>
  );
}

/** The queue's parking part and today's shifts: shown under the patrols on the review screen. */
export function ShiftQueue({ user, me }: { user: User; me: number | null }) {
  useParking(user);
  // The decision's message is said once, on the queue it returns to.
  useEffect(
    () => () => {
      saved.value = null;
    },
    [],
  );
  const r = reviewer(user, me);
  const queue = shiftQueue(shifts.value, r);
  const today = todaysShifts(shifts.value, r, Date.now(), zoneOf);
  return (
    <>
      {saved.value && (
        <p class="notice" role="status" data-testid="shift-review-saved">
          {saved.value}
        </p>
      )}
      <section class="card" data-testid="shift-queue">
        <h2>
          {t('parking.review.waiting')} <span class="muted">({queue.length})</span>
        </h2>
        {queue.length === 0 ? (
          <p class="muted">{ready.value ? t('parking.review.empty') : t('common.loading')}</p>
        ) : (
          <ul class="rows">
            {queue.map((s) => (
              <li key={s.id}>
                <Link to={{ name: 'review-item', id: SHIFT_ROUTE + s.id }} class="row" attrs={{ 'data-testid': 'shift-review-item', 'data-id': s.id }}>
                  <span class="row-top">
                    <span class="row-main">
                      {gateName(s)} · {memberName(s.cashier_id)}
                    </span>
                    <VarianceText fen={s.variance_fen} />
                    <PendingChip n={s.pending} />
                  </span>
                  <span class="row-sub">
                    {when(s.closed_at)} · {siteName(s.site_id)}
                  </span>
                </Link>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section class="card" data-testid="shifts-today">
        <h2>{t('parking.review.today')}</h2>
        {today.length === 0 ? (
          <p class="muted">{t('parking.review.today_none')}</p>
        ) : (
          <ul class="rows">
            {today.map((s) => (
              <li key={s.id} data-testid="shift-today" data-id={s.id} data-status={s.status}>
                <span class="row-main">
                  {gateName(s)} · {memberName(s.cashier_id)}
                </span>{' '}
                <span class="chip">{statusText(s.status)}</span>
                <span class="row-sub">
                  {' '}
                  {when(s.opened_at)}
                  {s.closed_at ? ` – ${when(s.closed_at)}` : ''}
                  {s.variance_fen !== null && s.status !== 'open' && (
                    <>
                      {' · '}
                      <VarianceText fen={s.variance_fen} />
                    </>
                  )}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

export function ShiftReviewItem({ user, me, id }: { user: User; me: number | null; id: string }) {
  useParking(user);
  const s = shifts.value.find((x) => x.id === id) ?? null;
  return (
    <Screen title={t('parking.review.title')} back={() => goBack('review')}>
      <RecordNotices recordId={id} />
      {s ? <ShiftBody key={s.id} user={user} me={me} s={s} /> : <p class="muted">{ready.value ? t('parking.missing') : t('common.loading')}</p>}
    </Screen>
  );
}

function ShiftBody({ user, me, s }: { user: User; me: number | null; s: Shift }) {
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const why = shiftRefusal(s, reviewer(user, me));
  const tot = totals(shiftLedger(s.id));
  const cashIn = (s.expected_cash_fen ?? 0) - s.float_fen;
  const fens = [...new Set([...Object.keys(s.count_counts), ...Object.keys(s.float_counts)].map(Number))].sort((a, b) => b - a);

  async function decide(d: Decision) {
    if (busy) return;
    if (d === 'reject' && comment.trim() === '') return setError(t('review.comment_required'));
    setBusy(true);
    setError(null);
    const here = route.value;
    try {
      const { name, args } = shiftReviewArgs(uuid(), d, s, comment);
      await mutate({ name, args, collection: 'parking_shifts', record_id: s.id });
      saved.value = t(d === 'approve' ? 'parking.review.approved_saved' : 'parking.review.returned_saved');
      leave(here, 'review');
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  }

  return (
    <>
      <section class="card" data-testid="shift-review" data-id={s.id} data-status={s.status}>
        <div class="row-top">
          <span class="chip" data-testid="shift-status">
            {statusText(s.status)}
          </span>
          <PendingChip n={s.pending} />
        </div>
        <dl class="kvs">
          <Kv label={t('parking.gate')} testid="sr-gate">
            {gateName(s)}
          </Kv>
          <Kv label={t('common.site')}>{siteName(s.site_id)}</Kv>
          <Kv label={t('parking.review.cashier')} testid="sr-cashier">
            {memberName(s.cashier_id)}
          </Kv>
          <Kv label={t('parking.review.opened_at')}>{when(s.opened_at)}</Kv>
          <Kv label={t('parking.review.closed_at')}>{when(s.closed_at)}</Kv>
        </dl>
      </section>

      <section class="card" aria-labelledby="sr-cash">
        <h2 id="sr-cash">{t('parking.review.by_denomination')}</h2>
        <div class="table-wrap">
          <table class="table" data-testid="sr-counts">
            <thead>
              <tr>
                <th>{t('parking.review.denomination')}</th>
                <th>{t('parking.review.float')}</th>
                <th>{t('parking.counted')}</th>
                <th>{t('parking.review.subtotal')}</th>
              </tr>
            </thead>
            <tbody>
              {fens.map((fen) => {
                const n = s.count_counts[String(fen)] ?? 0;
                return (
                  <tr key={fen} data-testid="sr-count-row" data-fen={fen}>
                    <td>{yuan(fen)}</td>
                    <td>{s.float_counts[String(fen)] ?? 0}</td>
                    <td data-testid="sr-count-n">{n}</td>
                    <td>{yuan(fen * n)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        <dl class="kvs">
          <Kv label={t('parking.review.float')} testid="sr-float">
            {yuan(s.float_fen)}
          </Kv>
          <Kv label={t('parking.review.cash_in')} testid="sr-cash-in">
            {s.expected_cash_fen === null ? '' : yuan(cashIn)}
          </Kv>
          <Kv label={t('parking.expected')} testid="sr-expected">
            {s.expected_cash_fen === null ? '' : yuan(s.expected_cash_fen)}
          </Kv>
          <Kv label={t('parking.counted')} testid="sr-counted">
            {s.counted_fen === null ? '' : yuan(s.counted_fen)}
          </Kv>
          <Kv label={t('parking.variance_total')}>
            <strong>
              <VarianceText fen={s.variance_fen} testid="sr-variance" />
            </strong>
          </Kv>
        </dl>
      </section>

      <section class="card" aria-labelledby="sr-more">
        <h2 id="sr-more">{t('parking.review.takings')}</h2>
        <dl class="kvs">
          <Kv label={t('parking.review.takings')} testid="sr-entries">
            {t('parking.review.entries', { fees: tot.fees, exemptions: tot.exemptions, voids: tot.voids })}
          </Kv>
          {(['cash', 'wechat', 'alipay', 'card'] as const).map((m) => (
            <Kv key={m} label={t(`parking.method.${m}`)} testid={`sr-method-${m}`}>
              {yuan(tot.by_method[m])}
            </Kv>
          ))}
          <Kv label={t('parking.review.cards')} testid="sr-cards">
            {t('parking.review.cards_text', { received: s.cards_received, on_hand: s.cards_on_hand ?? 0 })}
          </Kv>
          <Kv label={t('parking.bag_no')} testid="sr-bag">
            {s.bag_no}
          </Kv>
          <Kv label={t('parking.slip_no')} testid="sr-slip-no">
            {s.slip_no}
          </Kv>
        </dl>
        {s.slip_no && (
          <a class="btn btn-light-outline btn-block" href={`/api/parking/shifts/${encodeURIComponent(s.id)}/slip.pdf`} target="_blank" rel="noopener" data-testid="sr-slip">
            {t('parking.slip')}
          </a>
        )}
      </section>

      <section class="card form" aria-labelledby="sr-d">
        <h2 id="sr-d">{t('review.decision')}</h2>
        {why !== null ? (
          <p class="notice" data-testid="shift-review-refused" data-code={why}>
            {s.status === 'approved' || s.status === 'returned'
              ? t('parking.review.decided', { status: statusText(s.status), name: memberName(s.reviewed_by), time: when(s.reviewed_at) })
              : errorText({ code: why })}
          </p>
        ) : (
          <>
            <label for="sr-comment">{t('parking.review.comment')}</label>
            <textarea id="sr-comment" rows={3} maxLength={2000} value={comment} onInput={(e) => setComment(e.currentTarget.value)} data-testid="shift-review-comment" />
            <p class="muted hint">{t('review.comment_hint')}</p>
            {error && (
              <p class="error" role="alert" data-testid="shift-review-error">
                {error}
              </p>
            )}
            <div class="actions">
              <button type="button" class="btn btn-danger" disabled={busy} onClick={() => void decide('reject')} data-testid="shift-review-return">
                {t('parking.review.return')}
              </button>
              <button type="button" class="btn btn-primary" disabled={busy} onClick={() => void decide('approve')} data-testid="shift-review-approve">
                {t('parking.review.approve')}
              </button>
            </div>
          </>
        )}
      </section>
    </>
  );
}
