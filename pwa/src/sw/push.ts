// What the service worker does with a push: the server sends the texts
// already in the recipient's language ({title, body, url, tag, icon, kind});
// this turns them into a notification, and a click into a same-origin URL.
// Kept apart from sw.ts so unit tests can check it.
import { en } from '../i18n/en';
import { zhCN } from '../i18n/zh-CN';

export const DEFAULT_ICON = '/icons/icon-192.png';

export interface ShownNotification {
  title: string;
  options: NotificationOptions & { renotify?: boolean; timestamp?: number };
}

function str(v: unknown, max: number): string {
  return typeof v === 'string' ? v.slice(0, max) : '';
}

/** Only a path on this origin (never another site, never `//host`). */
export function safePath(url: unknown): string {
  if (typeof url !== 'string' || !url.startsWith('/') || url.startsWith('//') || url.includes('\\')) return '/';
  return url;
}

/** The notification for a push message's text (a generic one if it is not ours). */
export function notificationFromPush(text: string | null, lang: string): ShownNotification {
  let data: Record<string, unknown> = {};
  try {
    const parsed: unknown = text ? JSON.parse(text) : null;
    if (typeof parsed === 'object' && parsed !== null) data = parsed as Record<string, unknown>;
  } catch {
    data = {};
  }
  const catalog = (str(data.lang, 8) || lang).toLowerCase().startsWith('en') ? en : zhCN;
  const title = str(data.title, 200) || catalog['push.fallback_title'];
  const body = str(data.body, 1000) || catalog['push.fallback_body'];
  const tag = str(data.tag, 200);
  const options: ShownNotification['options'] = {
    body,
    icon: safePath(data.icon) === '/' ? DEFAULT_ICON : safePath(data.icon),
    badge: '/icons/favicon-32.png',
    lang: str(data.lang, 8) || lang,
    data: { url: safePath(data.url), kind: str(data.kind, 32) },
  };
  if (typeof data.ts === 'number') options.timestamp = data.ts;
  if (tag) {
    options.tag = tag;
    options.renotify = true; // a newer notice of the same thing still alerts
  }
  return { title, options };
}

/** The message a window gets to open a record without reloading. */
export const OPEN_URL = 'FIELDKEEP_OPEN_URL';

export function isOpenUrlMessage(data: unknown): data is { type: typeof OPEN_URL; url: string } {
  return typeof data === 'object' && data !== null && (data as { type?: unknown }).type === OPEN_URL && typeof (data as { url?: unknown }).url === 'string';
}
