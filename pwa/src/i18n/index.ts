// The one translation runtime: `t(key)` in the current UI language over
// catalogs registered by namespace. The core catalog (./zh-CN.ts, ./en.ts: the
// shell, shared words, mutation names) is in the first load; the error texts
// (./error-texts.ts) load right after start; a feature's catalog
// (`<feature>/texts.ts`) registers itself when its screens load. zh-CN is each
// catalog's source; en is typed against it.
import { signal } from '@preact/signals';
import { en } from './en';
import { zhCN } from './zh-CN';

export const LANGUAGES = ['zh-CN', 'en'] as const;
export type Lang = (typeof LANGUAGES)[number];

/** Every catalog by namespace; a feature adds its own with `declare module '../i18n'`. */
export interface Namespaces {
  core: typeof zhCN;
}
export type Namespace = keyof Namespaces;
export type MessageKey = { [N in Namespace]: keyof Namespaces[N] & string }[Namespace];

type Table = Record<string, string>;
const tables: Record<Lang, Table> = { 'zh-CN': {}, en: {} };
const registered = new Map<string, { 'zh-CN': Table; en: Table }>();
/** Raised by every new catalog: t() reads it, so what a screen showed before a catalog arrived is redrawn. */
const catalogs = signal(0);

/**
 * Register a namespace's catalog (once; again is a no-op). A key belongs to one
 * namespace: defining it twice is a bug, so it throws.
 */
export function defineTexts<Zh extends Table>(ns: Namespace, zh: Zh, english: Record<keyof Zh, string>): void {
  if (registered.has(ns)) return;
  for (const key of Object.keys(zh)) {
    if (Object.prototype.hasOwnProperty.call(tables['zh-CN'], key)) throw new Error(`i18n: ${key} is defined twice (${ns})`);
  }
  registered.set(ns, { 'zh-CN': zh, en: english });
  Object.assign(tables['zh-CN'], zh);
  Object.assign(tables.en, english);
  catalogs.value++;
}

/** The registered catalogs by namespace (for the tests). */
export function namespaces(): ReadonlyMap<string, { 'zh-CN': Table; en: Table }> {
  return registered;
}

defineTexts('core', zhCN, en);

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** Map a BCP 47 tag (from the browser or the server) to a UI language, if any. */
export function matchLang(tag: string | null | undefined): Lang | null {
  if (!tag) return null;
  const t = tag.trim().toLowerCase();
  if (t === 'zh' || t.startsWith('zh-') || t.startsWith('zh_')) return 'zh-CN';
  if (t === 'en' || t.startsWith('en-') || t.startsWith('en_')) return 'en';
  return null;
}

/** The first browser language we support decides; Chinese when none does. */
export function detectLang(tags: readonly string[] | undefined): Lang {
  for (const tag of tags ?? []) {
    const m = matchLang(tag);
    if (m) return m;
  }
  return 'zh-CN';
}

function browserTags(): string[] {
  if (typeof navigator === 'undefined') return [];
  if (navigator.languages?.length) return [...navigator.languages];
  return navigator.language ? [navigator.language] : [];
}

/** The current UI language. Components that call t() re-render when it changes. */
export const lang = signal<Lang>(detectLang(browserTags()));

export function applyLang(next: Lang): void {
  lang.value = next;
  if (typeof document !== 'undefined') document.documentElement.lang = next;
}

export type Params = Record<string, string | number>;

export function format(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole,
  );
}

export function translate(l: Lang, key: MessageKey, params?: Params): string {
  void catalogs.value;
  return format(tables[l][key] ?? tables['zh-CN'][key] ?? key, params);
}

/** Translate in the current UI language. */
export function t(key: MessageKey, params?: Params): string {
  return translate(lang.value, key, params);
}

/** A key some registered catalog defines (for words built from data: `key.status.${s}`). */
export function hasKey(key: string): key is MessageKey {
  void catalogs.value;
  return Object.prototype.hasOwnProperty.call(tables['zh-CN'], key);
}

/** The word for `${prefix}.${value}` when a catalog has one, else the value itself. */
export function word(prefix: string, value: string | null): string {
  if (!value) return '';
  const key = `${prefix}.${value}`;
  return hasKey(key) ? t(key) : value;
}
