// Words for field names, statuses, categories and mutation names.
import '../findings/texts';
import { hasKey, t } from '../i18n';
import { memberName } from './data';
import { day } from './format';
import { lang } from '../i18n';

export function fieldLabel(field: string): string {
  const key = `finding.field.${field}`;
  return hasKey(key) ? t(key) : field;
}

export function statusLabel(s: string): string {
  const key = `finding.status.${s}`;
  return hasKey(key) ? t(key) : s;
}

export function categoryLabel(c: string): string {
  const key = `finding.category.${c}`;
  return hasKey(key) ? t(key) : c;
}

export function mutationLabel(name: string): string {
  const key = `mutation.${name}`;
  return hasKey(key) ? t(key) : name;
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
