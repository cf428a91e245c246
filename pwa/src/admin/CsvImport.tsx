// The units CSV import: a preview of the file's first lines, a dry run that lists
// every bad line, then the import (all lines or none).
import { useState } from 'preact/hooks';
import { t } from '../i18n';
import { errorText } from '../i18n/errors';
import { online } from '../app/state';
import type { ImportResult, RowError } from '../app/api-types';
import { ImportRefused, importUnits, previewRows } from './rest';
import { AdminError } from './AdminError';

export function CsvImport({ siteId, onDone }: { siteId: number; onDone: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [rows, setRows] = useState<string[][]>([]);
  const [preview, setPreview] = useState<ImportResult | null>(null);
  const [errors, setErrors] = useState<RowError[]>([]);
  const [err, setErr] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function pick(f: File | null) {
    setFile(f);
    setPreview(null);
    setErrors([]);
    setErr(null);
    setDone(null);
    if (!f) return;
    setRows(await previewRows(f).catch(() => []));
    setBusy(true);
    try {
      const r = await importUnits(siteId, f, true);
      setPreview(r);
      setErrors(r.errors);
    } catch (x) {
      setErr(errorText(x));
    } finally {
      setBusy(false);
    }
  }
  async function run() {
    if (!file) return;
    setBusy(true);
    setErr(null);
    try {
      const r = await importUnits(siteId, file, false);
      setDone(t('admin.imported', { n: r.imported }));
      setPreview(null);
      setFile(null);
      onDone();
    } catch (x) {
      setErr(errorText(x));
      if (x instanceof ImportRefused) setErrors(x.errors);
    } finally {
      setBusy(false);
    }
  }
  const errLines = new Set(errors.map((e) => e.line));
  return (
    <section class="card form" data-testid="admin-csv">
      <h2>{t('admin.csv_import')}</h2>
      <p class="muted hint">{t('admin.csv_hint')}</p>
      <label for="csv-file">{t('admin.csv_file')}</label>
      <input id="csv-file" type="file" accept=".csv,text/csv" disabled={!online.value} onChange={(e) => void pick(e.currentTarget.files?.[0] ?? null)} data-testid="admin-csv-file" />
      {rows.length > 0 && (
        <div class="table-wrap">
          <table class="table" data-testid="admin-csv-rows">
            <tbody>
              {rows.map((r, i) => (
                <tr key={i} class={errLines.has(i + 1) ? 'check-fail' : undefined}>
                  <td class="muted">{i + 1}</td>
                  {r.map((c, j) => (i === 0 ? <th key={j}>{c}</th> : <td key={j}>{c}</td>))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {preview && (
        <p data-testid="admin-csv-summary">
          {t('admin.csv_summary', { rows: preview.rows, encoding: preview.encoding.toUpperCase(), errors: preview.errors.length })}
          {preview.new_buildings.length > 0 && (
            <>
              <br />
              {t('admin.csv_new_buildings', { names: preview.new_buildings.join('、') })}
            </>
          )}
        </p>
      )}
      {errors.length > 0 && (
        <ul class="plain-list" data-testid="admin-csv-errors">
          {errors.map((e, i) => (
            <li key={i} class="error">
              {t('admin.csv_row_error', { line: e.line, column: e.column || '—', message: csvErrorText(e) })}
            </li>
          ))}
        </ul>
      )}
      <AdminError text={err} />
      {done && (
        <p class="muted" role="status" data-testid="admin-csv-done">
          {done}
        </p>
      )}
      <button type="button" class="btn btn-primary" disabled={busy || !preview || errors.length > 0 || preview.rows === 0} onClick={() => void run()} data-testid="admin-csv-import">
        {t('admin.csv_run', { n: preview?.rows ?? 0 })}
      </button>
    </section>
  );
}

/** A bad line's reason in our words (its code), with the server's detail. */
function csvErrorText(e: RowError): string {
  return `${errorText({ code: e.code })}${e.message ? ` (${e.message})` : ''}`;
}
