import { signal } from '@preact/signals';
import { hasKey, lang, translate, type Lang, type Params } from './index';

/** True once the error catalog has loaded, or failed to (its fallbacks then show). */
export const errorTextsSettled = signal(false);
let loading: Promise<void> | null = null;

/**
 * Load the error texts (./error-texts.ts), a chunk of their own so the first
 * load stays small; called right after start. Once they register, every t()
 * caller re-renders with them. A failed load (offline before the service
 * worker took over) is tried again on the next call.
 */
export function loadErrorTexts(): Promise<void> {
  loading ??= import('./error-texts').then(
    () => {
      errorTextsSettled.value = true;
    },
    () => {
      loading = null;
      errorTextsSettled.value = true;
    },
  );
  return loading;
}

/** What the UI needs to know about a failure to tell the user about it. */
export interface ErrorLike {
  /** Stable code: the server's error code, or one of ours (network, bad_response, server, unknown). */
  code?: string;
  /** Message from the server, already in the caller's language. */
  message?: string;
  /** Seconds from a Retry-After header, when there was one. */
  retryAfter?: number | null;
  /** What the code's text names, e.g. {name: '张伟'} for key_handed_over (sync refusals). */
  args?: Params;
}

/**
 * A known code is translated from our own catalog; an unknown one (or any code
 * while the catalog is still loading) falls back to the server's message, then
 * to a generic text; called while rendering, it is redrawn when the catalog arrives. An error without a code
 * (a bug, not a server answer) never shows its raw message.
 */
export function errorText(err: unknown, l: Lang = lang.value): string {
  const e: ErrorLike = typeof err === 'object' && err !== null ? (err as ErrorLike) : {};
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code === 'rate_limited') {
    const s = e.retryAfter;
    return typeof s === 'number' && Number.isFinite(s) && s > 0
      ? translate(l, 'error.rate_limited', { seconds: Math.ceil(s) })
      : translate(l, 'error.rate_limited_nowait');
  }
  if (!code) return translate(l, 'error.unknown'); // not from the server: no raw JS text
  const key = `error.${code}`;
  if (hasKey(key)) {
    const text = translate(l, key, e.args);
    // A text that names someone but was given no name: the server's message names them.
    if (/\{\w+\}/.test(text) && typeof e.message === 'string' && e.message.trim() !== '') return e.message;
    return text;
  }
  if (typeof e.message === 'string' && e.message.trim() !== '') return e.message;
  return translate(l, 'error.unknown');
}
