// The admin desk's REST calls (online only): JSON through the app's client,
// and the units CSV import, whose body is the file's own bytes (UTF-8 or GBK).
import { api, ApiError, CSRF_HEADER, NetworkError } from '../sync/api';
import { lang } from '../i18n';
import type { ImportResult, RowError } from '../app/api-types';

export const post = <T>(path: string, body: unknown) => api.post<T>(path, body);
export const patch = <T>(path: string, body: unknown) => api.request<T>('PATCH', path, { body });

/** An import refused as a whole (422 csv_invalid) carries its row errors. */
export class ImportRefused extends ApiError {
  readonly errors: RowError[];
  constructor(status: number, code: string, message: string, errors: RowError[]) {
    super(status, code, message);
    this.errors = errors;
  }
}

export async function importUnits(siteId: number, file: Blob, dryRun: boolean): Promise<ImportResult> {
  const token = await api.csrfToken();
  let res: Response;
  try {
    res = await fetch(`/api/sites/${siteId}/units/import?dry_run=${dryRun}`, {
      method: 'POST',
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { 'Content-Type': 'text/csv', Accept: 'application/json', 'Accept-Language': lang.value, [CSRF_HEADER]: token },
      body: file,
    });
  } catch (err) {
    throw new NetworkError(err instanceof Error ? err.message : String(err));
  }
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const e = (body as { error?: { code?: string; message?: string; errors?: RowError[] } } | null)?.error;
    throw new ImportRefused(res.status, e?.code ?? 'unknown', e?.message ?? '', Array.isArray(e?.errors) ? e.errors : []);
  }
  return body as ImportResult;
}

/** The first lines of a CSV file for the preview table (UTF-8, else GB18030 as the server reads it). */
export async function previewRows(file: Blob, max = 30): Promise<string[][]> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = new TextDecoder('gb18030').decode(bytes);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return parseCsv(text).slice(0, max + 1);
}

/** A small RFC 4180 reader (quotes, doubled quotes, CRLF), for the preview only. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows.filter((r) => r.some((c) => c.trim() !== ''));
}
