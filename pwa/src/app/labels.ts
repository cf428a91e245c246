// Words for the records notices and lists name: a finding's fields, statuses and
// categories (only findings merge per field), and mutation names.
import '../findings/texts';
import { hasKey, lang, t, word } from '../i18n';
import { memberName } from './data';
import { day } from './format';

export const fieldLabel = (field: string) => word('finding.field', field);
export const statusLabel = (s: string) => word('finding.status', s);
export const categoryLabel = (c: string) => word('finding.category', c);
/** A feature's own mutations are named by its texts once loaded; until then, in general words (never the code). */
export function mutationLabel(name: string): string {
  const key = `mutation.${name}`;
  return hasKey(key) ? t(key) : t('sync.pending_list');
}

/** A field value in words (for conflict notices). */
export function valueText(field: string, v: unknown): string {
  if (v === null || v === undefined || v === '') return t('value.empty');
  if (field === 'status' && typeof v === 'string') return statusLabel(v);
  if (field === 'category' && typeof v === 'string') return categoryLabel(v);
  if (field === 'assignee_id' && typeof v === 'number') return memberName(v);
  if (field === 'due_date' && typeof v === 'string') return day(v, lang.value);
  if (Array.isArray(v)) return t('value.items', { n: v.length });
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
