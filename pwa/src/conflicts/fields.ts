// A conflict's field and values in the viewer's words, for every synced collection a person
// edits: findings' words are the finding screens' own, the others' are the conflict texts'.
import './texts';
import { fieldLabel, valueText } from '../app/labels';
import { memberName } from '../app/data';
import { dateTime, day } from '../app/format';
import { siteName, unitById } from '../app/site';
import { unitLabel } from '../app/units';
import { hasKey, lang, t } from '../i18n';

export function fieldName(collection: string, field: string): string {
  if (collection === 'findings') return fieldLabel(field);
  const key = `conflict.field.${collection}.${field}`;
  return hasKey(key) ? t(key) : field;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T/;

/** A value in words: ids as names, days and instants in the viewer's format, key kinds as words. */
export function fieldValue(collection: string, field: string, v: unknown): string {
  if (collection === 'findings' || v === null || v === undefined || v === '') return valueText(field, v);
  const word = `conflict.value.${collection}.${field}.${String(v)}`;
  if (typeof v === 'string' && hasKey(word)) return t(word);
  if (typeof v === 'number' && field === 'site_id') return siteName(v);
  if (typeof v === 'number' && field === 'unit_id') {
    const u = unitById(v);
    return u ? unitLabel(u) : `#${v}`;
  }
  if (typeof v === 'number' && field.endsWith('_by')) return memberName(v);
  if (typeof v === 'string' && DAY.test(v)) return day(v, lang.value);
  if (typeof v === 'string' && INSTANT.test(v)) return dateTime(v, lang.value);
  return valueText(field, v);
}
