// A conflict's field in the viewer's words, for every synced collection a person edits:
// findings' words are the finding screens' own, the others' are the conflict texts'.
import './texts';
import { fieldLabel } from '../app/labels';
import { hasKey, t } from '../i18n';

export function fieldName(collection: string, field: string): string {
  if (collection === 'findings') return fieldLabel(field);
  const key = `conflict.field.${collection}.${field}`;
  return hasKey(key) ? t(key) : field;
}
