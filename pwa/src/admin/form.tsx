// What every admin form owes a person: a refused value's reason next to its
// field (our own checks and the server's `error.field`), anything else under
// the form, and a line that says the save went through. The refusal is kept as
// it came and put in words when drawn (its text may still be loading).
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { t } from '../i18n';
import { errorText } from '../i18n/errors';

type Problem = { field: string | null; error?: unknown; text?: string };

function fieldOf(error: unknown): string | null {
  const f = typeof error === 'object' && error !== null ? (error as { field?: unknown }).field : null;
  return typeof f === 'string' && f !== '' ? f : null;
}

/** A form label without its hint in brackets ("项目编码（字母、数字）" → "项目编码"). */
export function fieldName(label: string): string {
  return label.replace(/\s*[（(].*$/, '').trim();
}

export interface FormState {
  busy: boolean;
  saved: string | null;
  /** Our own check refused `field`: `text` shows next to it. Returns false, for `return form.refuse(…)`. */
  refuse(field: string, text: string): false;
  /** `field` must not be empty: refuses it naming its label. */
  required(field: string, value: string, label: string): boolean;
  /** Run a save: on success `done` is said; a refusal goes next to the field it names (`as`: to that field). */
  run(save: () => Promise<unknown>, done: string, as?: string): Promise<boolean>;
  /** The message for one field, or null. */
  errorFor(field: string): string | null;
  /** A refusal naming none of `fields` (shown under the form), or null. */
  general(fields: readonly string[]): string | null;
}

export function useForm(): FormState {
  const [problem, setProblem] = useState<Problem | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const text = (p: Problem) => p.text ?? errorText(p.error);
  const form: FormState = {
    busy,
    saved,
    refuse(field, message) {
      setSaved(null);
      setProblem({ field, text: message });
      return false;
    },
    required(field, value, label) {
      return value.trim() !== '' || form.refuse(field, t('admin.required', { field: fieldName(label) }));
    },
    async run(save, done, as) {
      setBusy(true);
      setSaved(null);
      setProblem(null);
      try {
        await save();
        setSaved(done);
        return true;
      } catch (error) {
        const field = fieldOf(error);
        setProblem({ field: field !== null && as !== undefined ? as : field, error });
        return false;
      } finally {
        setBusy(false);
      }
    },
    errorFor(field) {
      return problem && problem.field === field ? text(problem) : null;
    },
    general(fields) {
      return problem && (problem.field === null || !fields.includes(problem.field)) ? text(problem) : null;
    },
  };
  return form;
}

/** A refused value's reason, right under its field (`id` ties it to the input for screen readers). */
export function FieldError({ field, text, id }: { field: string; text: string | null; id?: string }) {
  return text ? (
    <p class="error field-error" role="alert" id={id} data-testid="field-error" data-field={field}>
      {text}
    </p>
  ) : null;
}

/** "Saved": said after every save that went through. */
export function Saved({ text, children }: { text: string | null; children?: ComponentChildren }) {
  return text ? (
    <p class="saved" role="status" data-testid="admin-saved">
      {text}
      {children}
    </p>
  ) : null;
}
