import { signal } from '@preact/signals';
import { zhCN, type MessageKey } from './zh-CN';
import { en } from './en';

export type { MessageKey } from './zh-CN';

export const LANGUAGES = ['zh-CN', 'en'] as const;
export type Lang = (typeof LANGUAGES)[number];

export const catalogs: Record<Lang, Record<MessageKey, string>> = {
  'zh-CN': zhCN,
  en,
};

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
  return format(catalogs[l][key] ?? zhCN[key] ?? key, params);
}

/** Translate in the current UI language. */
export function t(key: MessageKey, params?: Params): string {
  return translate(lang.value, key, params);
}

export function hasKey(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(zhCN, key);
}
