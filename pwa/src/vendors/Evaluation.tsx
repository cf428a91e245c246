// The manager's page per vendor: the month's evaluation as the server computes
// it (score, deduction lines, payable), the statement as PDF and XLSX, and the
// score of the last six months as a small inline SVG chart (no chart library).
// Online only: the evaluation is SQL over the server's tables.
import { useEffect, useState } from 'preact/hooks';
import { Link, Screen } from '../app/common';
import { yuan } from '../app/format';
import { todayOnSite } from '../app/site';
import { goBack, online } from '../app/state';
import { useLoad, when } from '../app/ui';
import { t } from '../i18n';
import { errorText } from '../i18n/errors';
import { api } from '../sync/api';
import type { Vendor } from './store';

export interface Evaluation {
  vendor_id: number;
  vendor_name: string;
  month: string;
  score: number | null;
  inspections: number;
  critical_failures: number;
  late_rectifications: number;
  monthly_fee_fen: number;
  lines: { text: string; fen: number }[];
  deduction_fen: number;
  payable_fen: number;
  locked: boolean;
  signed_by: string | null;
  signed_at: string | null;
  waiting_review: number;
}

export { yuan };

/** The `n` months up to `month` (YYYY-MM), oldest first. */
export function lastMonths(month: string, n: number): string[] {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const out: string[] = [];
  for (let k = n - 1; k >= 0; k--) {
    const idx = y * 12 + (m - 1) - k;
    out.push(`${Math.floor(idx / 12)}-${String((idx % 12) + 1).padStart(2, '0')}`);
  }
  return out;
}

export function VendorsScreen() {
  const { data, error } = useLoad<Vendor[]>(online.value ? '/api/vendors' : null, [online.value]);
  return (
    <Screen title={t('vendors.eval_title')}>
      {!online.value && <p class="notice">{t('vendors.online_only')}</p>}
      {error && <p class="error">{error}</p>}
      <section class="card">
        <p class="muted">{t('vendors.choose_vendor')}</p>
        <ul class="rows" data-testid="vendor-list">
          {(data ?? []).map((v) => (
            <li key={v.id}>
              <Link to={{ name: 'vendor', id: v.id }} class="row" attrs={{ 'data-testid': 'vendor-row', 'data-id': String(v.id) }}>
                <span class="row-main">{v.name}</span>
                <span class="row-sub">{t(`vendors.service.${v.service}`)}</span>
              </Link>
            </li>
          ))}
        </ul>
      </section>
    </Screen>
  );
}

export function VendorScreen({ id, manager }: { id: number; manager: boolean }) {
  const [month, setMonth] = useState(todayOnSite.value.slice(0, 7));
  const base = `/api/vendors/${id}/evaluations/${month}`;
  const { data: loaded, error, reload } = useLoad<Evaluation>(online.value ? base : null, [online.value]);
  const [signError, setSignError] = useState<string | null>(null);
  // The sign-off's answer is the locked evaluation: shown in place of the loaded one.
  const [signed, setSigned] = useState<Evaluation | null>(null);
  const ev = signed && signed.month === month && signed.vendor_id === id ? signed : loaded?.month === month ? loaded : null;
  const [history, setHistory] = useState<(number | null)[]>([]);
  const months = lastMonths(month, 6);
  useEffect(() => {
    if (!online.value) return;
    let live = true;
    void Promise.all(months.map((m) => api.get<Evaluation>(`/api/vendors/${id}/evaluations/${m}`).then((e) => e.score, () => null))).then((s) => live && setHistory(s));
    return () => {
      live = false;
    };
  }, [id, month, online.value]);
  return (
    <Screen title={ev?.vendor_name || t('vendors.eval_title')} back={() => goBack('vendors')}>
      {!online.value && <p class="notice">{t('vendors.online_only')}</p>}
      <section class="card form">
        <label for="e-month">{t('vendors.month')}</label>
        <input id="e-month" type="month" value={month} onChange={(e) => e.currentTarget.value && setMonth(e.currentTarget.value)} data-testid="eval-month" />
      </section>
      {error && <p class="error">{error}</p>}
      {ev && (
        <section class="card" data-testid="evaluation" data-score={ev.score ?? ''} data-inspections={ev.inspections} data-locked={ev.locked ? 'yes' : 'no'}>
          <dl class="kvs">
            <Kv2 label={t('vendors.score')} testid="eval-score" v={ev.score === null ? t('vendors.no_score') : ev.score.toFixed(2)} />
            <Kv2 label={t('vendors.inspections')} testid="eval-inspections" v={String(ev.inspections)} />
            <Kv2 label={t('vendors.critical_failures')} v={String(ev.critical_failures)} />
            <Kv2 label={t('vendors.late')} v={String(ev.late_rectifications)} />
            <Kv2 label={t('vendors.fee')} v={yuan(ev.monthly_fee_fen)} />
          </dl>
          <h3>{t('vendors.deductions')}</h3>
          {ev.lines.length === 0 ? (
            <p class="muted">{t('vendors.no_deductions')}</p>
          ) : (
            <ul class="plain-list" data-testid="eval-lines">
              {ev.lines.map((l, k) => (
                <li key={k}>
                  {l.text} <strong>{yuan(l.fen)}</strong>
                </li>
              ))}
            </ul>
          )}
          <dl class="kvs">
            <Kv2 label={t('vendors.deduction')} testid="eval-deduction" v={yuan(ev.deduction_fen)} />
            <Kv2 label={t('vendors.payable')} testid="eval-payable" v={yuan(ev.payable_fen)} />
          </dl>
          {ev.locked ? (
            <p data-testid="eval-signed">
              <span class="chip pstatus-approved">{t('vendors.locked')}</span> {t('vendors.signed', { who: ev.signed_by ?? '', when: when(ev.signed_at) })}
              {ev === signed && (
                <span class="saved" role="status" data-testid="eval-signed-saved">
                  {' '}
                  {t('vendors.signed_saved')}
                </span>
              )}
            </p>
          ) : (
            manager && (
              <SignOff
                base={base}
                onSigned={(e) => (setSignError(null), setSigned(e))}
                onRefused={(e) => {
                  setSignError(errorText(e));
                  // Signed off meanwhile (another tab, another manager): show it as it is now.
                  if ((e as { code?: unknown } | null)?.code === 'evaluation_locked') reload();
                }}
              />
            )
          )}
          {signError && (
            <p class="error" role="alert" data-testid="eval-sign-error">
              {signError}
            </p>
          )}
          {ev.waiting_review > 0 && <p class="muted">{t('vendors.waiting_review', { n: ev.waiting_review })}</p>}
          <div class="actions">
            <a class="btn btn-light-outline" href={`${base}.pdf`} target="_blank" rel="noopener" data-testid="eval-pdf">
              {t('vendors.pdf')}
            </a>
            <a class="btn btn-light-outline" href={`${base}.xlsx`} download data-testid="eval-xlsx">
              {t('vendors.xlsx')}
            </a>
          </div>
        </section>
      )}
      {history.length > 0 && (
        <section class="card">
          <h3>{t('vendors.chart')}</h3>
          <ScoreChart months={months} scores={history} />
        </section>
      )}
    </Screen>
  );
}

/** The manager signs the month off: a button, a confirmation, then the locked evaluation. */
function SignOff({ base, onSigned, onRefused }: { base: string; onSigned: (e: Evaluation) => void; onRefused: (err: unknown) => void }) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  async function sign() {
    if (busy) return;
    setBusy(true);
    try {
      onSigned(await api.post<Evaluation>(`${base}/sign-off`));
    } catch (err) {
      onRefused(err);
      setAsking(false);
    } finally {
      setBusy(false);
    }
  }
  return (
    <div class="form" data-testid="eval-sign-off">
      {asking ? (
        <>
          <p class="notice" data-testid="eval-sign-ask">
            {t('vendors.sign_off_ask')}
          </p>
          <div class="actions">
            <button type="button" class="btn btn-light-outline" onClick={() => setAsking(false)} data-testid="eval-sign-cancel">
              {t('common.cancel')}
            </button>
            <button type="button" class="btn btn-primary" disabled={busy} onClick={() => void sign()} data-testid="eval-sign-yes">
              {t('vendors.sign_off_yes')}
            </button>
          </div>
        </>
      ) : (
        <button type="button" class="btn btn-primary" onClick={() => setAsking(true)} data-testid="eval-sign">
          {t('vendors.sign_off')}
        </button>
      )}
    </div>
  );
}

function Kv2({ label, v, testid }: { label: string; v: string; testid?: string }) {
  return (
    <div class="kv">
      <dt>{label}</dt>
      <dd data-testid={testid}>{v}</dd>
    </div>
  );
}

/** Bars of 0–100 per month; a month without approved inspections has no bar. */
export function ScoreChart({ months, scores }: { months: string[]; scores: (number | null)[] }) {
  const w = 300;
  const h = 120;
  const bw = w / months.length;
  return (
    <svg viewBox={`0 0 ${w} ${h + 30}`} width="100%" role="img" aria-label={t('vendors.chart')} data-testid="eval-chart">
      {months.map((m, k) => {
        const s = scores[k] ?? null;
        const bh = s === null ? 0 : (s / 100) * h;
        return (
          <g key={m} data-month={m} data-score={s ?? ''}>
            {s !== null && <rect x={k * bw + 6} y={h - bh} width={bw - 12} height={bh} fill={s >= 95 ? '#2e7d32' : s >= 90 ? '#f9a825' : '#c62828'} />}
            <text x={k * bw + bw / 2} y={s === null ? h - 4 : h - bh - 4} text-anchor="middle" font-size="11">
              {s === null ? t('vendors.no_score') : s.toFixed(1)}
            </text>
            <text x={k * bw + bw / 2} y={h + 18} text-anchor="middle" font-size="11">
              {m.slice(5)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
