// Web push on this device: whether the browser can, asking for permission
// (only after the person taps "turn on notifications"), subscribing with the
// server's VAPID key, and the person's choice of kinds. The service worker
// shows what arrives (src/sw/push.ts).
import type { Api } from '../sync/api';

export const PUSH_KINDS = ['review_requested', 'rejected', 'key_overdue', 'finding_overdue', 'parking_variance', 'permit_expiring'] as const;
export type PushKind = (typeof PUSH_KINDS)[number];
export type PushPreferences = Record<PushKind, boolean>;

/**
 * supported: can subscribe; ios-install: iPhone/iPad Safari before the app is
 * added to the home screen (push exists only for installed web apps there);
 * unsupported: no service worker, Notification or PushManager.
 */
export type PushSupport = 'supported' | 'ios-install' | 'unsupported';

/** Why turning notifications on did not work. */
export type PushProblem = 'unsupported' | 'ios-install' | 'denied' | 'dismissed' | 'failed' | 'offline';

export class PushSetupError extends Error {
  readonly problem: PushProblem;

  constructor(problem: PushProblem, message: string = problem) {
    super(message);
    this.name = 'PushSetupError';
    this.problem = problem;
  }
}

/** What push.ts needs from the browser (a seam for tests). */
export interface PushEnv {
  userAgent: string;
  maxTouchPoints: number;
  standalone: boolean;
  hasServiceWorker: boolean;
  hasPushManager: boolean;
  notification: { permission: NotificationPermission; requestPermission(): Promise<NotificationPermission> } | null;
  registration(): Promise<ServiceWorkerRegistration>;
}

export function browserPushEnv(): PushEnv {
  const w = globalThis as unknown as {
    Notification?: PushEnv['notification'];
    PushManager?: unknown;
    matchMedia?: (q: string) => { matches: boolean };
  };
  const nav = (typeof navigator === 'undefined' ? {} : navigator) as Navigator & { standalone?: boolean };
  return {
    userAgent: nav.userAgent ?? '',
    maxTouchPoints: nav.maxTouchPoints ?? 0,
    standalone: nav.standalone === true || (w.matchMedia?.('(display-mode: standalone)').matches ?? false),
    hasServiceWorker: 'serviceWorker' in nav,
    hasPushManager: typeof w.PushManager !== 'undefined',
    notification: w.Notification ?? null,
    registration: () => nav.serviceWorker.ready,
  };
}

export function isIos(env: Pick<PushEnv, 'userAgent' | 'maxTouchPoints'>): boolean {
  // iPadOS says "Macintosh" but has a touch screen.
  return /iPhone|iPad|iPod/.test(env.userAgent) || (/Macintosh/.test(env.userAgent) && env.maxTouchPoints > 1);
}

export function pushSupport(env: PushEnv): PushSupport {
  if (env.hasServiceWorker && env.hasPushManager && env.notification) return 'supported';
  if (isIos(env) && !env.standalone) return 'ios-install';
  return 'unsupported';
}

/** base64url (the server's applicationServerKey) to bytes. */
export function base64UrlToBytes(text: string): Uint8Array<ArrayBuffer> {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const raw = atob(b64);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

function sameKey(a: ArrayBuffer | null | undefined, b: Uint8Array): boolean {
  if (!a) return false;
  const x = new Uint8Array(a);
  return x.length === b.length && x.every((v, i) => v === b[i]);
}

/** A short name for this device, shown nowhere sensitive (helps an admin tell devices apart). */
export function deviceName(userAgent: string): string {
  const os = /Android/.test(userAgent) ? 'Android' : /iPhone|iPad|iPod/.test(userAgent) ? 'iOS' : /Windows/.test(userAgent) ? 'Windows' : /Mac OS X|Macintosh/.test(userAgent) ? 'macOS' : /Linux/.test(userAgent) ? 'Linux' : '';
  const browser = /Edg\//.test(userAgent) ? 'Edge' : /Firefox\//.test(userAgent) ? 'Firefox' : /Chrome\//.test(userAgent) ? 'Chrome' : /Safari\//.test(userAgent) ? 'Safari' : '';
  return [os, browser].filter(Boolean).join(' ').slice(0, 200) || 'browser';
}

/** This browser's current subscription, if any. */
export async function currentSubscription(env: PushEnv): Promise<PushSubscription | null> {
  if (pushSupport(env) !== 'supported') return null;
  const reg = await env.registration();
  return reg.pushManager.getSubscription();
}

function subscriptionBody(sub: PushSubscription, env: PushEnv, language: string): Record<string, unknown> {
  const json = sub.toJSON();
  return {
    endpoint: json.endpoint ?? sub.endpoint,
    keys: { p256dh: json.keys?.p256dh ?? '', auth: json.keys?.auth ?? '' },
    device: deviceName(env.userAgent),
    language,
  };
}

/**
 * Ask for permission, subscribe with the server's key and register the
 * subscription. Call only from the person's tap. Throws PushSetupError.
 */
export async function enableNotifications(api: Api, env: PushEnv, language: string): Promise<PushSubscription> {
  const support = pushSupport(env);
  if (support !== 'supported') throw new PushSetupError(support);
  const notification = env.notification!;
  let permission = notification.permission;
  if (permission === 'default') permission = await notification.requestPermission();
  if (permission === 'denied') throw new PushSetupError('denied');
  if (permission !== 'granted') throw new PushSetupError('dismissed');
  let key: Uint8Array<ArrayBuffer>;
  try {
    const answer = await api.get<{ public_key: string }>('/api/push/vapid-public-key');
    key = base64UrlToBytes(answer.public_key);
  } catch (err) {
    throw new PushSetupError(isOffline(err) ? 'offline' : 'failed', String(err));
  }
  const reg = await env.registration();
  let sub = await reg.pushManager.getSubscription();
  if (sub && !sameKey(sub.options?.applicationServerKey, key)) {
    // Made with another server key (the server's key changed): start over.
    await sub.unsubscribe().catch(() => false);
    sub = null;
  }
  try {
    sub ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  } catch (err) {
    const name = err instanceof Error ? err.name : '';
    throw new PushSetupError(name === 'NotAllowedError' ? 'denied' : 'failed', String(err));
  }
  try {
    await api.post('/api/push/subscriptions', subscriptionBody(sub, env, language));
  } catch (err) {
    throw new PushSetupError(isOffline(err) ? 'offline' : 'failed', String(err));
  }
  return sub;
}

/** Tell the server again (e.g. the UI language changed); quiet when not subscribed. */
export async function refreshSubscription(api: Api, env: PushEnv, language: string): Promise<void> {
  const sub = await currentSubscription(env);
  if (sub) await api.post('/api/push/subscriptions', subscriptionBody(sub, env, language));
}

/** Stop notifications on this device: the server forgets it, the browser unsubscribes. */
export async function disableNotifications(api: Api, env: PushEnv): Promise<void> {
  const sub = await currentSubscription(env);
  if (!sub) return;
  await api.request('DELETE', '/api/push/subscriptions', { body: { endpoint: sub.endpoint } });
  await sub.unsubscribe();
}

export async function loadPreferences(api: Api): Promise<PushPreferences> {
  return api.get<PushPreferences>('/api/push/preferences');
}

export async function savePreference(api: Api, kind: PushKind, enabled: boolean): Promise<PushPreferences> {
  return api.request<PushPreferences>('PUT', '/api/push/preferences', { body: { [kind]: enabled } });
}

/** Which kinds matter to someone with these roles (the others are not offered). */
export function kindsFor(roles: readonly string[]): PushKind[] {
  const has = (...r: string[]) => r.some((x) => roles.includes(x));
  return PUSH_KINDS.filter((k) => {
    switch (k) {
      case 'review_requested':
        return has('supervisor');
      case 'rejected':
        return has('patrol', 'supervisor', 'environment');
      case 'key_overdue':
        return has('patrol', 'supervisor', 'environment');
      case 'finding_overdue':
        return true; // anyone may be a finding's assignee
      case 'parking_variance':
        return has('supervisor');
      case 'permit_expiring':
        return has('patrol', 'supervisor');
    }
  });
}

function isOffline(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'network';
}
