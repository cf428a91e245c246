// 卡证验证: a guard or cashier scans (or types) a permit's QR and gets one
// answer in large type and colour, with no network: genuine, forged, unreadable,
// unknown key, expired, not yet valid, revoked or used, and for which plate or
// unit. A genuine release pass is taken at once (recorded here, sent as
// permits.use), so a second scan on this phone says "used".
import { useRef, useState } from 'preact/hooks';
import { Screen } from '../app/common';
import { dateTime, day } from '../app/format';
import { goBack } from '../app/state';
import { lang, t } from '../i18n';
import { Scanner } from '../scan/Scanner';
import { hasKeys, permits, states, usePass, verifyKeys } from './store';
import { verifyQr, type Verdict } from './verify';

const GOOD = new Set(['genuine']);
const WAIT = new Set(['not_yet_valid', 'unknown_key']);
const UNSIGNED = new Set(['forged', 'unknown_key', 'malformed']);

export function ScanPermit() {
  const [typed, setTyped] = useState('');
  const [scanning, setScanning] = useState(false);
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [taken, setTaken] = useState(false);
  const busy = useRef(false);

  async function check(text: string) {
    if (busy.current) return;
    busy.current = true;
    try {
      const v = await verifyQr(text, await verifyKeys(), Date.now() / 1000, states.value);
      let took = false;
      if (v.reason === 'genuine' && v.claims?.kind === 'release_pass') {
        await usePass(v.claims.id); // the gate takes it: a second scan here says "used"
        took = true;
      }
      setTaken(took);
      setVerdict(v);
    } finally {
      busy.current = false;
    }
  }

  function onTyped(e: Event) {
    e.preventDefault();
    // A QR's text may end in a space (base45): only line breaks from pasting go.
    const text = typed.replace(/[\r\n]+/g, '');
    if (text) void check(text);
  }

  return (
    <Screen title={t('permits.scan_title')} back={() => goBack('home')}>
      {!hasKeys.value && (
        <p class="notice notice-warn" data-testid="permit-no-keys">
          {t('permits.no_keys')}
        </p>
      )}
      {verdict && <VerdictPanel v={verdict} taken={taken} />}
      <div class="scan-actions">
        <button type="button" class="btn btn-primary btn-block" onClick={() => setScanning(true)} data-testid="permit-scan-open">
          {t('permits.scan')}
        </button>
      </div>
      <form class="card" onSubmit={onTyped}>
        <label for="permit-qr">{t('permits.typed')}</label>
        <p class="muted">{t('permits.typed_hint')}</p>
        <textarea id="permit-qr" rows={3} spellcheck={false} autoComplete="off" value={typed} onInput={(e) => setTyped(e.currentTarget.value)} data-testid="permit-qr-input" />
        <button type="submit" class="btn btn-primary" disabled={typed.trim() === ''} data-testid="permit-check">
          {t('permits.check')}
        </button>
      </form>
      {scanning && (
        <Scanner
          onResult={(text) => {
            setScanning(false);
            void check(text);
          }}
          onClose={() => setScanning(false)}
          hint={t('permits.scan')}
        />
      )}
    </Screen>
  );
}

function VerdictPanel({ v, taken }: { v: Verdict; taken: boolean }) {
  const tone = GOOD.has(v.reason) ? 'ok' : WAIT.has(v.reason) ? 'wait' : 'bad';
  const c = v.claims;
  // Dates from the phone's own record only when the paper is signed by the site.
  const known = c && !UNSIGNED.has(v.reason) ? permits.value.find((p) => p.id === c.id) : undefined;
  const l = lang.value;
  const from = known?.valid_from ? day(known.valid_from, l) : c ? dateTime(c.not_before * 1000, l) : '';
  const to = known?.valid_to ? day(known.valid_to, l) : c ? dateTime(c.expires * 1000, l) : '';
  return (
    <section class={`verdict verdict-${tone}`} role="status" aria-live="assertive" data-testid="permit-verdict" data-reason={v.reason}>
      <p class="verdict-reason">{t(`permits.reason.${v.reason}`)}</p>
      {c && (
        <>
          <p class="verdict-subject" data-testid="permit-subject">
            {c.subject}
          </p>
          <p class="verdict-line">
            {t(`permits.kind.${c.kind}`)} · {t('permits.serial', { n: String(c.serial).padStart(6, '0') })}
          </p>
          <p class="verdict-line">
            {t('permits.valid')}: {t('permits.valid_range', { from, to })}
          </p>
        </>
      )}
      {taken && (
        <p class="verdict-line" data-testid="permit-pass-taken">
          {t('permits.pass_taken')}
        </p>
      )}
    </section>
  );
}
