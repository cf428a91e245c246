// "Scan a key tag": the button, the camera overlay, and a clear message when the
// code is no key of ours. Where it leads is the caller's (a key page, a patrol).
import { useState } from 'preact/hooks';
import { t } from '../i18n';
import { Scanner } from '../scan/Scanner';
import { findKey, parseScan } from '../scan/token';
import type { Key } from './key';
import { keys } from './store';

/** `onKey` gets the key and the scanned tag token (null when a short code was typed). */
export function ScanKey({ label, onKey }: { label: string; onKey: (key: Key, tag: string | null) => void }) {
  const [scanning, setScanning] = useState(false);
  const [scanError, setScanError] = useState<string | null>(null);

  async function onScan(text: string) {
    setScanning(false);
    const found = await findKey(keys.value, parseScan(text));
    setScanError(found ? null : t('scan.unknown'));
    if (found) onKey(found.key, found.tag);
  }

  return (
    <>
      <div class="scan-actions">
        <button type="button" class="btn btn-primary btn-block" onClick={() => setScanning(true)} data-testid="scan-open">
          {label}
        </button>
      </div>
      {scanError && (
        <p class="error" role="alert" data-testid="scan-error">
          {scanError}
        </p>
      )}
      {scanning && <Scanner onResult={(text) => void onScan(text)} onClose={() => setScanning(false)} hint={t('scan.aim_key')} />}
    </>
  );
}
