// The parking cashier's screens by route (loaded on first use by app/App.tsx): open a shift,
// the booth (fees, exemptions, voids, events), the blind close, its result with the slip, and
// the next cashier's hand-over. Everything works offline from the cached setup.
import '../app/ui.css';
import './parking.css';
import './texts';
import { signal } from '@preact/signals';
import { useEffect, useState } from 'preact/hooks';
import type { User } from '../app/api-types';
import { Link, NoticeItem, Screen } from '../app/common';
import { me, members, memberName, notices, pendingCount } from '../app/data';
import type { ScreenProps } from '../app/screen-props';
import { leave, navigate, online, route } from '../app/state';
import { Choice, Kv, when } from '../app/ui';
import type { NewPhoto } from '../db/local';
import { lang, t, type MessageKey } from '../i18n';
import { errorText } from '../i18n/errors';
import { PhotoPicker } from '../photos/Photos';
import {
  canTakeOver,
  countsTotal,
  EVENT_KINDS,
  feeFor,
  localIso,
  mayRecount,
  METHODS,
  needsApprover,
  parseYuan,
  PROVINCES,
  QUICK_ENTRIES,
  quickEntryAt,
  totals,
  yuanText,
  type Denomination,
  type EventKind,
  type Invalid,
  type Method,
  type QuickEntry,
  type Setup,
  type Shift,
} from './shift';
import {
  closeShift,
  confirmHandover,
  myOpenShift,
  myReturnedShift,
  openShift,
  prefix,
  recordEvent,
  recordExemption,
  recordFee,
  refreshParking,
  setupOf,
  shiftEvents,
  shiftLedger,
  shifts,
  voidTransaction,
  watchParking,
} from './store';
import { feeLineTexts } from './texts';
import type { VehicleClass } from './tariff';

/** What the last save said ("saved", with its receipt number), shown on the next screen. */
const flash = signal<string | null>(null);

const yuan = (fen: number) => t('parking.yuan', { amount: yuanText(fen) });
const invalidText = (i: Invalid) => t(`parking.invalid.${i.code}` as MessageKey);

export default function ParkingScreens({ user, route: r }: ScreenProps) {
  useEffect(() => {
    watchParking();
    if (online.value) void refreshParking();
  }, []);
  const section = r.name === 'parking' ? r.section ?? '' : '';
  if (section.startsWith('shift-')) return <ShiftResult id={section.slice(6)} />;
  if (section.startsWith('handover-')) return <Handover id={section.slice(9)} />;
  if (section.startsWith('recount-')) {
    // A shift the supervisor sent back: counted again by its cashier (parking_shifts.close).
    const back = shifts.value.find((x) => x.id === section.slice(8) && x.cashier_id === me.value && mayRecount(x));
    if (back) return <CloseShift shift={back} />;
    return <ShiftResult id={section.slice(8)} />;
  }
  const open = myOpenShift.value;
  const toCount = open ?? myReturnedShift.value;
  if (section === 'close' && toCount) return <CloseShift shift={toCount} />;
  if (section === 'event' && open) return <EventForm shift={open} />;
  return open ? <Booth shift={open} /> : <Start user={user} />;
}

function Flash() {
  const f = flash.value;
  if (!f) return null;
  return (
    <p class="notice parking-flash" role="status" data-testid="parking-saved">
      {f}
    </p>
  );
}

/** What the server refused of this cashier's parking work, with its reason (until dismissed). */
function ParkingNotices() {
  const mine = notices.value.filter((n) => n.collection.startsWith('parking_'));
  if (mine.length === 0) return null;
  return (
    <ul class="notices" data-testid="parking-notices">
      {mine.map((n) => (
        <NoticeItem key={n.id} n={n} />
      ))}
    </ul>
  );
}

function say(text: string) {
  flash.value = text;
}

function denomLabel(d: Denomination, all: readonly Denomination[]): string {
  const both = all.filter((x) => x.fen === d.fen).length > 1;
  const y = yuanText(d.fen).replace(/\.00$/, '');
  if (both) return t('parking.note_coin', { yuan: y });
  if (d.kind === 'note') return t('parking.note', { yuan: y });
  return d.fen < 100 ? t('parking.coin_jiao', { jiao: d.fen / 10 }) : t('parking.coin', { yuan: y });
}

/** Counts by denomination: count × face value on each row, the total live. */
function CountsEditor({
  denominations,
  counts,
  onChange,
  testid,
  totalLabel,
}: {
  denominations: readonly Denomination[];
  counts: Record<string, number>;
  onChange: (c: Record<string, number>) => void;
  testid: string;
  totalLabel: string;
}) {
  const fens = [...new Set(denominations.map((d) => d.fen))].sort((a, b) => b - a);
  return (
    <div class="counts" data-testid={testid}>
      {fens.map((fen) => {
        const d = denominations.find((x) => x.fen === fen)!;
        const n = counts[String(fen)] ?? 0;
        const id = `${testid}-${fen}`;
        return (
          <div class="count-row" key={fen}>
            <label for={id}>{denomLabel(d, denominations)}</label>
            <input
              id={id}
              type="number"
              inputMode="numeric"
              min={0}
              step={1}
              value={n || ''}
              onInput={(e) => {
                const v = Number(e.currentTarget.value);
                onChange({ ...counts, [String(fen)]: Number.isSafeInteger(v) && v > 0 ? v : 0 });
              }}
              data-testid={id}
            />
            <span class="count-sub" data-testid={`${id}-sub`}>
              {yuan(fen * n)}
            </span>
          </div>
        );
      })}
      <p class="count-total">
        {totalLabel}{' '}
        <strong data-testid={`${testid}-total`} data-fen={countsTotal(counts)}>
          {yuan(countsTotal(counts))}
        </strong>
      </p>
    </div>
  );
}

function wholeNumber(text: string): number | null {
  return /^\s*\d{1,6}\s*$/.test(text) ? Number(text) : null;
}

// ---- start: open a shift, hand-overs waiting, my recent shifts ---------------------

function Start({ user }: { user: User }) {
  const sites = user.sites.filter((s) => setupOf(s.id));
  const [chosen, setSiteId] = useState('');
  // The setup may arrive after the first render: until a site is chosen, the first with a setup.
  const siteId = sites.some((x) => x.id === chosen) ? chosen : sites[0]?.id ?? '';
  const setup = siteId ? setupOf(siteId)?.setup ?? null : null;
  const gates = setup?.gates.filter((g) => g.active) ?? [];
  const [gateId, setGateId] = useState<number | null>(null);
  const [float, setFloat] = useState<Record<string, number>>({});
  const [cards, setCards] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const gate = gateId ?? gates[0]?.id ?? null;
  const mine = shifts.value.filter((s) => s.cashier_id === me.value).sort((a, b) => b.opened_at.localeCompare(a.opened_at));
  const returned = mine.filter((s) => s.status === 'returned');
  const siteIds = new Set(user.sites.map((s) => Number(s.id)));
  const toTake = shifts.value.filter((s) => canTakeOver(s, me.value, siteIds));

  async function submit(e: Event) {
    e.preventDefault();
    const n = wholeNumber(cards || '0');
    if (n === null) return setError(t('parking.invalid.count'));
    if (!setup || gate === null) return;
    setBusy(true);
    try {
      await openShift({ site_id: Number(siteId), gate_id: gate, float_counts: float, cards_received: n });
      say(t('parking.opened'));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Screen title={t('parking.title')} headerTestId="parking-header">
      <Flash />
      <ParkingNotices />
      <PrefixNotice />
      {returned.map((s) => (
        <Returned key={s.id} shift={s} />
      ))}
      {toTake.length > 0 && (
        <section class="card" data-testid="handover-list">
          <h2>{t('parking.handover_list')}</h2>
          <ul class="rows">
            {toTake.map((s) => (
              <li key={s.id}>
                <Link to={{ name: 'parking', section: `handover-${s.id}` }} class="row-link" testid="handover-open" dataId={s.id}>
                  {t('parking.handover_from', { name: memberName(s.cashier_id), gate: gateName(s) })} · {t(`parking.status.${s.status}` as MessageKey)}
                </Link>
              </li>
            ))}
          </ul>
        </section>
      )}
      {user.sites.length > 0 && sites.length === 0 ? (
        <p class="muted" data-testid="parking-no-setup">
          {online.value ? t('parking.loading_setup') : t('parking.no_setup')}
        </p>
      ) : (
        <form class="card form" onSubmit={(e) => void submit(e)} data-testid="shift-open-form">
          <h2>{t('parking.open_title')}</h2>
          {sites.length > 1 && (
            <>
              <label for="p-site">{t('common.site')}</label>
              <select id="p-site" value={siteId} onChange={(e) => setSiteId(e.currentTarget.value)}>
                {sites.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </select>
            </>
          )}
          {gates.length === 0 ? (
            <p class="muted">{t('parking.no_gates')}</p>
          ) : (
            <>
              <span class="field-label">{t('parking.gate')}</span>
              <Choice
                value={String(gate)}
                label={t('parking.gate')}
                options={gates.map((g) => ({ value: String(g.id), label: g.name }))}
                onChange={(v) => setGateId(Number(v))}
                testids={Object.fromEntries(gates.map((g) => [String(g.id), `gate-${g.id}`]))}
              />
            </>
          )}
          <h3>{t('parking.float')}</h3>
          <CountsEditor denominations={setup?.denominations ?? []} counts={float} onChange={setFloat} testid="float" totalLabel={t('parking.float_total')} />
          <label for="p-cards">{t('parking.cards_received')}</label>
          <input id="p-cards" type="number" inputMode="numeric" min={0} value={cards} onInput={(e) => setCards(e.currentTarget.value)} data-testid="cards-received" />
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" class="btn btn-primary btn-block big" disabled={busy || gate === null} data-testid="shift-open">
            {t('parking.open')}
          </button>
        </form>
      )}
      {mine.length > 0 && (
        <section class="card">
          <h2>{t('parking.my_shifts')}</h2>
          <ul class="rows">
            {mine.slice(0, 5).map((s) => (
              <li key={s.id}>
                <Link to={{ name: 'parking', section: `shift-${s.id}` }} class="row-link" testid="my-shift" dataId={s.id}>
                  {when(s.opened_at)} · {gateName(s)} · {t(`parking.status.${s.status}` as MessageKey)}
                </Link>
              </li>
            ))}
          </ul>
        </section>
      )}
    </Screen>
  );
}

/** A shift the supervisor sent back, with her comment and the way to count again. */
function Returned({ shift: s }: { shift: Shift }) {
  return (
    <section class="card notice-warn" data-testid="shift-returned" data-id={s.id}>
      <h2>{t('parking.returned_title')}</h2>
      <p>
        {gateName(s)} · {when(s.opened_at)} · {t('parking.variance_total')} {yuan(s.variance_fen ?? 0)}
      </p>
      <p data-testid="shift-returned-comment">{t('parking.returned_comment', { comment: s.review_comment })}</p>
      <p class="muted">
        {memberName(s.reviewed_by)} · {when(s.reviewed_at)}
      </p>
      {mayRecount(s) && (
        <Link to={{ name: 'parking', section: `recount-${s.id}` }} class="btn btn-primary btn-block" testid="shift-recount">
          {t('parking.recount')}
        </Link>
      )}
    </section>
  );
}

function gateName(s: Shift): string {
  const g = s.site_id === null ? null : setupOf(String(s.site_id))?.setup.gates.find((x) => x.id === s.gate_id);
  return g?.name ?? `#${s.gate_id ?? ''}`;
}

function PrefixNotice() {
  const [busy, setBusy] = useState(false);
  if (prefix.value) return null;
  return (
    <div class="notice notice-warn" data-testid="parking-no-prefix">
      <p>{t('parking.no_prefix')}</p>
      {online.value && (
        <button
          type="button"
          class="btn btn-light-outline"
          disabled={busy}
          onClick={() => {
            setBusy(true);
            void refreshParking().finally(() => setBusy(false));
          }}
        >
          {t('parking.get_prefix')}
        </button>
      )}
    </div>
  );
}

// ---- the booth ------------------------------------------------------------------

/** The shift's running total and the pending sync count, always in view at the booth. */
function StatusStrip({ shift }: { shift: Shift }) {
  const tot = totals(shiftLedger(shift.id));
  return (
    <div class="parking-strip" role="status">
      <span>
        {t('parking.shift_total')}{' '}
        <strong data-testid="parking-total" data-fen={tot.total_fen}>
          {yuan(tot.total_fen)}
        </strong>
      </span>
      <span>
        {t('parking.pending')}{' '}
        <strong data-testid="parking-pending" data-count={pendingCount.value}>
          {pendingCount.value}
        </strong>
      </span>
      {prefix.value && <span class="muted">{t('parking.prefix', { prefix: prefix.value })}</span>}
    </div>
  );
}

function Booth({ shift }: { shift: Shift }) {
  const setup = shift.site_id === null ? null : setupOf(String(shift.site_id))?.setup ?? null;
  return (
    <Screen
      title={`${t('parking.booth')} · ${gateName(shift)}`}
      headerTestId="parking-header"
      actions={
        <Link to={{ name: 'parking', section: 'close' }} class="btn btn-bar" testid="shift-close-open">
          {t('parking.close')}
        </Link>
      }
    >
      <StatusStrip shift={shift} />
      <Flash />
      <ParkingNotices />
      <PrefixNotice />
      <FeeForm shift={shift} setup={setup} />
      <Ledger shift={shift} />
      <section class="card">
        <h2>{t('parking.events')}</h2>
        <ul class="rows">
          {shiftEvents(shift.id).map((ev) => (
            <li key={ev.id} data-testid="event-row">
              {when(ev.at)} · {t(`parking.event.${ev.kind}` as MessageKey)} {ev.note && `· ${ev.note}`}
            </li>
          ))}
        </ul>
        <Link to={{ name: 'parking', section: 'event' }} class="btn btn-light-outline btn-block" testid="event-new">
          {t('parking.event_new')}
        </Link>
      </section>
    </Screen>
  );
}

interface FeeState {
  province: string;
  rest: string;
  vclass: VehicleClass;
  entry: number | null;
  exit: number;
  lost: boolean;
  differs: boolean;
  amount: string;
  variance: string;
  exempt: boolean;
  reason: string;
  approver: number | null;
}

const fresh = (province: string): FeeState => ({
  province,
  rest: '',
  vclass: 'small',
  entry: null,
  exit: Date.now(),
  lost: false,
  differs: false,
  amount: '',
  variance: '',
  exempt: false,
  reason: '',
  approver: null,
});

function FeeForm({ shift, setup }: { shift: Shift; setup: Setup | null }) {
  const [s, setS] = useState<FeeState>(() => fresh(PROVINCES[0]));
  const [picking, setPicking] = useState(false);
  const [invalid, setInvalid] = useState<Invalid | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (p: Partial<FeeState>) => {
    setS((prev) => ({ ...prev, ...p }));
    setInvalid(null);
  };
  const plate = `${s.province}${s.rest.trim().toUpperCase()}`;
  const stay = s.entry === null ? null : { vehicle_class: s.vclass, entry_at: localIso(s.entry), exit_at: localIso(s.exit), lost_ticket: s.lost };
  const priced = stay ? feeFor(setup, stay) : null;
  const fee = priced && 'fee' in priced ? priced : null;
  const amountFen = s.differs ? parseYuan(s.amount) : fee?.fee.fee_fen ?? null;
  const reasons = setup?.exemption_reasons.filter((r) => r.active) ?? [];
  const reason = reasons.find((r) => r.code === s.reason) ?? null;
  const siteMembers = shift.site_id === null ? [] : members.value.get(String(shift.site_id)) ?? [];
  const approvers = reason && needsApprover(reason) ? siteMembers.filter((m) => m.roles.includes(reason.approver_role) && m.id !== me.value) : [];
  const canTake = !!fee && !!prefix.value && !busy;

  async function done(p: Promise<{ receipt_no: string } | { invalid: Invalid }>) {
    setBusy(true);
    setError(null);
    try {
      const res = await p;
      if ('invalid' in res) return setInvalid(res.invalid);
      say(t('parking.saved_receipt', { no: res.receipt_no }));
      setS(fresh(s.province));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  function pay(method: Method) {
    if (!fee || !stay) return;
    if (amountFen === null) return setInvalid({ field: 'amount_fen', code: 'amount_invalid' });
    void done(recordFee({ shift_id: shift.id, plate, ...stay, fee_fen: fee.fee.fee_fen, amount_fen: amountFen, method, variance_reason: s.variance }));
  }

  function exempt() {
    if (!fee || !stay) return;
    if (!reason) return setInvalid({ field: 'exemption_reason', code: 'reason_required' });
    void done(recordExemption({ shift_id: shift.id, plate, ...stay, fee_fen: fee.fee.fee_fen, reason, approver_id: s.approver }));
  }

  const fieldError = (field: string) =>
    invalid?.field === field && (
      <p class="error" role="alert" data-testid={`invalid-${field}`}>
        {invalidText(invalid)}
      </p>
    );
  const typedValue = s.entry === null ? '' : localIso(s.entry).slice(0, 16);

  return (
    <section class="card form booth" data-testid="fee-form">
      <span class="field-label">{t('parking.plate')}</span>
      <div class="plate">
        <button type="button" class="btn plate-province" aria-expanded={picking} onClick={() => setPicking(!picking)} data-testid="plate-province">
          {s.province}
        </button>
        <input
          aria-label={t('parking.plate_rest')}
          value={s.rest}
          maxLength={8}
          autocomplete="off"
          onInput={(e) => set({ rest: e.currentTarget.value })}
          data-testid="plate-rest"
        />
      </div>
      {picking && (
        <div class="provinces" role="listbox" aria-label={t('parking.province')}>
          {PROVINCES.map((p) => (
            <button
              key={p}
              type="button"
              role="option"
              aria-selected={p === s.province}
              class={p === s.province ? 'choice-btn choice-on' : 'choice-btn'}
              onClick={() => {
                set({ province: p });
                setPicking(false);
              }}
              data-testid={`province-${p}`}
            >
              {p}
            </button>
          ))}
        </div>
      )}
      {fieldError('plate')}
      <span class="field-label">{t('parking.vehicle_class')}</span>
      <Choice
        value={s.vclass}
        label={t('parking.vehicle_class')}
        options={(['small', 'large'] as const).map((v) => ({ value: v, label: t(`parking.class.${v}`) }))}
        onChange={(v) => set({ vclass: v })}
        testids={{ small: 'class-small', large: 'class-large' }}
      />
      <span class="field-label">{t('parking.entry')}</span>
      <div class="quick">
        {QUICK_ENTRIES.map((q: QuickEntry) => (
          <button
            key={q}
            type="button"
            class="choice-btn"
            onClick={() => {
              const now = Date.now();
              set({ entry: quickEntryAt(q, now), exit: now });
            }}
            data-testid={`entry-${q}`}
          >
            {t(`parking.quick.${q}`)}
          </button>
        ))}
      </div>
      <label for="p-entry">{t('parking.entry_typed')}</label>
      <input
        id="p-entry"
        type="datetime-local"
        value={typedValue}
        onInput={(e) => {
          const ms = new Date(e.currentTarget.value).getTime();
          if (Number.isFinite(ms)) set({ entry: ms, exit: Date.now() });
        }}
        data-testid="entry-typed"
      />
      <p class="muted">
        {t('parking.exit')} {when(s.exit)}{' '}
        <button type="button" class="btn-link" onClick={() => set({ exit: Date.now() })} data-testid="exit-now">
          {t('parking.exit_now')}
        </button>
      </p>
      <label class="check">
        <input type="checkbox" checked={s.lost} onChange={(e) => set({ lost: e.currentTarget.checked })} data-testid="lost-ticket" />
        {t('parking.lost_ticket')}
      </label>

      <div class="fee-box" data-testid="fee-box">
        <span>{t('parking.fee')}</span>
        {fee ? (
          <>
            <strong class="fee-big" data-testid="fee" data-fen={fee.fee.fee_fen}>
              {yuan(fee.fee.fee_fen)}
            </strong>
            <ul class="fee-lines" data-testid="fee-lines">
              {feeLineTexts(fee.fee, fee.rules, lang.value).map((text, i) => (
                <li key={i}>
                  {text} <span>{yuan(fee.fee.lines[i]!.fen)}</span>
                </li>
              ))}
            </ul>
          </>
        ) : (
          <p class="muted" data-testid="fee-none">
            {priced && 'error' in priced ? t(`parking.fee_error.${priced.error}`) : t('parking.fee_pick')}
          </p>
        )}
      </div>

      <label class="check">
        <input type="checkbox" checked={s.differs} onChange={(e) => set({ differs: e.currentTarget.checked, amount: fee ? yuanText(fee.fee.fee_fen) : '' })} data-testid="amount-differs" />
        {t('parking.amount_differs')}
      </label>
      {s.differs && (
        <>
          <label for="p-amount">{t('parking.amount')}</label>
          <input id="p-amount" inputMode="decimal" value={s.amount} onInput={(e) => set({ amount: e.currentTarget.value })} data-testid="amount" />
          {fieldError('amount_fen')}
          {fee && amountFen !== null && amountFen !== fee.fee.fee_fen && (
            <p class="variance-line" data-testid="variance-line">
              {t('parking.variance', { yuan: yuanText(amountFen - fee.fee.fee_fen) })}
            </p>
          )}
          <label for="p-variance">{t('parking.variance_reason')}</label>
          <input id="p-variance" value={s.variance} onInput={(e) => set({ variance: e.currentTarget.value })} data-testid="variance-reason" />
          {fieldError('variance_reason')}
        </>
      )}

      <span class="field-label">{t('parking.pay')}</span>
      <div class="pay">
        {METHODS.map((m) => (
          <button key={m} type="button" class={`btn btn-primary pay-${m}`} disabled={!canTake} onClick={() => pay(m)} data-testid={`pay-${m}`}>
            {t(`parking.method.${m}`)}
          </button>
        ))}
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}

      <label class="check">
        <input type="checkbox" checked={s.exempt} onChange={(e) => set({ exempt: e.currentTarget.checked })} data-testid="exempt-toggle" />
        {t('parking.exempt')}
      </label>
      {s.exempt && (
        <div class="form" data-testid="exempt-form">
          <label for="p-reason">{t('parking.exempt_reason')}</label>
          <select id="p-reason" value={s.reason} onChange={(e) => set({ reason: e.currentTarget.value, approver: null })} data-testid="exempt-reason">
            <option value="">{t('common.choose')}</option>
            {reasons.map((r) => (
              <option key={r.code} value={r.code}>
                {lang.value === 'en' ? r.name_en : r.name_zh}
              </option>
            ))}
          </select>
          {fieldError('exemption_reason')}
          {reason && needsApprover(reason) && (
            <>
              <label for="p-approver">{t('parking.approver')}</label>
              <select id="p-approver" value={s.approver ?? ''} onChange={(e) => set({ approver: e.currentTarget.value ? Number(e.currentTarget.value) : null })} data-testid="exempt-approver">
                <option value="">{t('common.choose')}</option>
                {approvers.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.display_name || m.username}
                  </option>
                ))}
              </select>
              {approvers.length === 0 && <p class="muted">{t('parking.approver_none')}</p>}
              {fieldError('approver_id')}
            </>
          )}
          <button type="button" class="btn btn-light-outline btn-block" disabled={!canTake} onClick={exempt} data-testid="exempt-save">
            {t('parking.exempt_save')}
          </button>
        </div>
      )}
    </section>
  );
}

function Ledger({ shift }: { shift: Shift }) {
  const rows = shiftLedger(shift.id);
  const voided = new Set(rows.filter((x) => x.kind === 'void').map((x) => x.voids));
  const [voiding, setVoiding] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const [invalid, setInvalid] = useState<Invalid | null>(null);
  const byId = new Map(rows.map((x) => [x.id, x]));

  async function confirm(id: string) {
    const res = await voidTransaction(shift.id, id, reason);
    if ('invalid' in res) return setInvalid(res.invalid);
    say(t('parking.voided_saved', { no: res.receipt_no }));
    setVoiding(null);
    setReason('');
    setInvalid(null);
  }

  return (
    <section class="card" data-testid="ledger">
      <h2>{t('parking.ledger')}</h2>
      {rows.length === 0 && <p class="muted">{t('parking.ledger_none')}</p>}
      <ul class="rows ledger">
        {rows.map((x) => (
          <li key={x.id} data-testid="txn-row" data-id={x.id} data-receipt={x.receipt_no} data-kind={x.kind} class={voided.has(x.id) ? 'txn-voided' : undefined}>
            <div class="txn-line">
              <span class="txn-no">{x.receipt_no}</span>
              <span>{t(`parking.kind.${x.kind}`)}</span>
              {x.kind === 'void' ? (
                <span>{t('parking.void_of', { no: byId.get(x.voids ?? '')?.receipt_no ?? '' })}</span>
              ) : (
                <>
                  <span>{x.plate}</span>
                  <strong>{x.kind === 'fee' ? `${yuan(x.amount_fen)} ${t(`parking.method.${(x.method ?? 'cash') as Method}`)}` : t('parking.method.none')}</strong>
                </>
              )}
              {voided.has(x.id) && <span class="chip">{t('parking.voided')}</span>}
              {x.pending && <span class="chip chip-pending">{t('common.pending')}</span>}
              {x.kind !== 'void' && !voided.has(x.id) && voiding !== x.id && (
                <button type="button" class="btn-link" onClick={() => setVoiding(x.id)} data-testid="txn-void">
                  {t('parking.void')}
                </button>
              )}
            </div>
            {x.kind === 'fee' && x.amount_fen !== x.fee_fen && (
              <p class="variance-line">
                {t('parking.variance', { yuan: yuanText(x.amount_fen - x.fee_fen) })} · {x.variance_reason}
              </p>
            )}
            {voiding === x.id && (
              <div class="form">
                <label for={`void-${x.id}`}>{t('parking.void_reason')}</label>
                <input id={`void-${x.id}`} value={reason} onInput={(e) => setReason(e.currentTarget.value)} data-testid="void-reason" />
                {invalid && (
                  <p class="error" role="alert">
                    {invalidText(invalid)}
                  </p>
                )}
                <button type="button" class="btn btn-danger" onClick={() => void confirm(x.id)} data-testid="void-confirm">
                  {t('parking.void_confirm')}
                </button>
              </div>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

// ---- abnormal events ---------------------------------------------------------------

function EventForm({ shift }: { shift: Shift }) {
  const [kind, setKind] = useState<EventKind | null>(null);
  const [note, setNote] = useState('');
  const [hashes, setHashes] = useState<string[]>([]);
  const [added, setAdded] = useState<ReadonlyMap<string, NewPhoto>>(new Map());
  const [processing, setProcessing] = useState(0);
  const [error, setError] = useState<string | null>(null);

  async function save(e: Event) {
    e.preventDefault();
    if (!kind) return setError(t('parking.invalid.reason_required'));
    if (processing > 0) return;
    try {
      await recordEvent(
        shift.id,
        kind,
        note,
        hashes.map((h) => added.get(h)).filter((p): p is NewPhoto => !!p),
      );
      say(t('parking.event_saved'));
      navigate({ name: 'parking' }, true);
    } catch (err) {
      setError(errorText(err));
    }
  }

  return (
    <Screen title={t('parking.event_new')} back={() => navigate({ name: 'parking' }, true)}>
      <form class="card form" onSubmit={(e) => void save(e)} data-testid="event-form">
        <label for="p-kind">{t('parking.event_kind')}</label>
        <select id="p-kind" value={kind ?? ''} onChange={(e) => setKind((e.currentTarget.value || null) as EventKind | null)} data-testid="event-kind">
          <option value="">{t('common.choose')}</option>
          {EVENT_KINDS.map((k) => (
            <option key={k} value={k}>
              {t(`parking.event.${k}`)}
            </option>
          ))}
        </select>
        <label for="p-note">{t('parking.event_note')}</label>
        <textarea id="p-note" value={note} onInput={(e) => setNote(e.currentTarget.value)} data-testid="event-note" />
        <span class="field-label">{t('parking.event_photos')}</span>
        <PhotoPicker
          hashes={hashes}
          added={added}
          onAdd={(p) => {
            setAdded((prev) => new Map(prev).set(p.hash, p));
            setHashes((prev) => (prev.includes(p.hash) ? prev : [...prev, p.hash]));
          }}
          onRemove={(h) => setHashes((prev) => prev.filter((x) => x !== h))}
          onBusy={(d) => setProcessing((n) => n + d)}
          inputTestId="event-photo-input"
          galleryTestId="event-photo-gallery"
        />
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="btn btn-primary btn-block" disabled={processing > 0} data-testid="event-save">
          {t('parking.event_save')}
        </button>
      </form>
    </Screen>
  );
}

// ---- close: the blind count ----------------------------------------------------------

function CloseShift({ shift }: { shift: Shift }) {
  const setup = shift.site_id === null ? null : setupOf(String(shift.site_id))?.setup ?? null;
  const [counts, setCounts] = useState<Record<string, number>>({});
  const [cards, setCards] = useState('');
  const [bag, setBag] = useState('');
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const others = (setup?.cashiers ?? []).filter((c) => c.id !== me.value);

  async function submit(e: Event) {
    e.preventDefault();
    const n = wholeNumber(cards || '0');
    if (n === null) return setError(t('parking.invalid.count'));
    if (bag.trim() === '') return setError(t('parking.invalid.bag_no'));
    setBusy(true);
    const here = route.value;
    try {
      await closeShift(shift.id, { count_counts: counts, cards_on_hand: n, bag_no: bag, next_cashier_id: next });
      say(t('parking.closed_saved'));
      leave(here, { name: 'parking', section: `shift-${shift.id}` });
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  }

  return (
    <Screen title={t(shift.status === 'returned' ? 'parking.recount_title' : 'parking.close_title')} back={() => navigate({ name: 'parking' }, true)}>
      <form class="card form" onSubmit={(e) => void submit(e)} data-testid="close-form">
        {shift.status === 'returned' && (
          <p class="notice notice-warn" data-testid="recount-comment">
            {t('parking.returned_comment', { comment: shift.review_comment })}
          </p>
        )}
        <h2>{t('parking.count_cash')}</h2>
        <p class="muted">{t('parking.blind_hint')}</p>
        <CountsEditor denominations={setup?.denominations ?? []} counts={counts} onChange={setCounts} testid="count" totalLabel={t('parking.counted_total')} />
        <label for="p-hand">{t('parking.cards_on_hand')}</label>
        <input id="p-hand" type="number" inputMode="numeric" min={0} value={cards} onInput={(e) => setCards(e.currentTarget.value)} data-testid="cards-on-hand" />
        <label for="p-bag">{t('parking.bag_no')}</label>
        <input id="p-bag" value={bag} onInput={(e) => setBag(e.currentTarget.value)} data-testid="bag-no" />
        <label for="p-next">{t('parking.next_cashier')}</label>
        <select id="p-next" value={next ?? ''} onChange={(e) => setNext(e.currentTarget.value ? Number(e.currentTarget.value) : null)} data-testid="next-cashier">
          <option value="">{t('parking.next_none')}</option>
          {others.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="btn btn-primary btn-block big" disabled={busy} data-testid="close-submit">
          {t('parking.close_submit')}
        </button>
      </form>
    </Screen>
  );
}

/** After the close: the server's expected cash and variance only once the count has synced. */
function ShiftResult({ id }: { id: string }) {
  const s = shifts.value.find((x) => x.id === id) ?? null;
  const back = () => navigate({ name: 'parking' }, true);
  if (!s) {
    return (
      <Screen title={t('parking.result')} back={back}>
        <p class="muted">{t('parking.missing')}</p>
      </Screen>
    );
  }
  const server = s.server;
  // Blind: a returned shift is counted again before the expected cash shows again.
  const synced = s.pending === 0 && server !== null && typeof server.expected_cash_fen === 'number' && s.status !== 'open' && s.status !== 'returned';
  return (
    <Screen title={t('parking.result')} back={back}>
      <Flash />
      <ParkingNotices />
      <section class="card" data-testid="shift-result" data-status={s.status}>
        <dl class="kvs">
          <Kv label={t('parking.gate')}>{gateName(s)}</Kv>
          <Kv label={t('parking.open_title')}>{when(s.opened_at)}</Kv>
          <Kv label={t('parking.close')}>{when(s.closed_at)}</Kv>
          <Kv label={t('parking.counted')} testid="result-counted">
            {s.counted_fen === null ? '' : yuan(s.counted_fen)}
          </Kv>
          <Kv label={t('parking.bag_no')}>{s.bag_no}</Kv>
        </dl>
        {(s.status === 'returned' || s.status === 'approved') && (
          <p class={s.status === 'returned' ? 'notice notice-warn' : 'notice'} data-testid="result-review">
            {t(`parking.status.${s.status}` as MessageKey)} · {memberName(s.reviewed_by)} · {when(s.reviewed_at)}
            {s.review_comment && ` · ${t('parking.returned_comment', { comment: s.review_comment })}`}
          </p>
        )}
        {mayRecount(s) && (
          <Link to={{ name: 'parking', section: `recount-${s.id}` }} class="btn btn-primary btn-block" testid="shift-recount">
            {t('parking.recount')}
          </Link>
        )}
        {synced ? (
          <>
            <dl class="kvs">
              <Kv label={t('parking.expected')} testid="result-expected">
                {yuan(s.expected_cash_fen ?? 0)}
              </Kv>
              <Kv label={t('parking.variance_total')} testid="result-variance">
                {yuan(s.variance_fen ?? 0)}
              </Kv>
              <Kv label={t('parking.slip_no')} testid="result-slip-no">
                {s.slip_no}
              </Kv>
            </dl>
            <a class="btn btn-primary btn-block" href={`/api/parking/shifts/${encodeURIComponent(s.id)}/slip.pdf`} target="_blank" rel="noopener" data-testid="slip-link">
              {t('parking.slip')}
            </a>
          </>
        ) : (
          <p class="notice" data-testid="result-waiting">
            {t('parking.waiting_sync')}
          </p>
        )}
      </section>
    </Screen>
  );
}

// ---- hand-over: the next cashier, on her own device ------------------------------------------

function Handover({ id }: { id: string }) {
  const s = shifts.value.find((x) => x.id === id) ?? null;
  const setup = s?.site_id == null ? null : setupOf(String(s.site_id))?.setup ?? null;
  const [counts, setCounts] = useState<Record<string, number>>({});
  const [cards, setCards] = useState('');
  const [error, setError] = useState<string | null>(null);
  const back = () => navigate({ name: 'parking' }, true);
  if (!s) {
    return (
      <Screen title={t('parking.handover_title')} back={back}>
        <p class="muted">{t('parking.missing')}</p>
      </Screen>
    );
  }

  async function submit(e: Event) {
    e.preventDefault();
    const n = wholeNumber(cards || '0');
    if (n === null) return setError(t('parking.invalid.count'));
    try {
      await confirmHandover(id, counts, n);
      say(t('parking.handover_saved'));
    } catch (err) {
      setError(errorText(err));
    }
  }

  return (
    <Screen title={t('parking.handover_title')} back={back}>
      <Flash />
      <ParkingNotices />
      <p>{t('parking.handover_from', { name: memberName(s.cashier_id), gate: gateName(s) })}</p>
      {s.handover_by === me.value && s.handover_confirmed_at ? (
        <p class="notice" data-testid="handover-done">
          {t('parking.handover_done')} · {when(s.handover_confirmed_at)}
        </p>
      ) : (
        <form class="card form" onSubmit={(e) => void submit(e)} data-testid="handover-form">
          <h2>{t('parking.handover_float')}</h2>
          <CountsEditor denominations={setup?.denominations ?? []} counts={counts} onChange={setCounts} testid="handover" totalLabel={t('parking.float_total')} />
          <label for="p-hcards">{t('parking.handover_cards')}</label>
          <input id="p-hcards" type="number" inputMode="numeric" min={0} value={cards} onInput={(e) => setCards(e.currentTarget.value)} data-testid="handover-cards" />
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" class="btn btn-primary btn-block big" data-testid="handover-confirm">
            {t('parking.handover_confirm')}
          </button>
        </form>
      )}
    </Screen>
  );
}
