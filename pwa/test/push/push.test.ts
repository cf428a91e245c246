import { describe, expect, it, vi } from 'vitest';
import type { Api } from '../../src/sync/api';
import {
  base64UrlToBytes,
  deviceName,
  disableNotifications,
  enableNotifications,
  kindsFor,
  pushSupport,
  PushSetupError,
  type PushEnv,
} from '../../src/push/push';
import { isOpenUrlMessage, notificationFromPush, OPEN_URL, safePath } from '../../src/sw/push';

const KEY = 'BIgVmvykdmHBVcwBgf9yMEEHHPYjICvbJEx3G6bxHLCNLbscAUkgdJxq_T4M-UdAZaeGwXqc_rlRLHOvcFSt0YQ';
const ANDROID = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36';
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

function fakeSubscription(endpoint = 'https://fcm.googleapis.com/fcm/send/abc', key = base64UrlToBytes(KEY)) {
  return {
    endpoint,
    options: { applicationServerKey: key.buffer },
    toJSON: () => ({ endpoint, expirationTime: null, keys: { p256dh: 'p', auth: 'a' } }),
    unsubscribe: vi.fn(async () => true),
  };
}

function env(overrides: Partial<PushEnv> = {}, permission: NotificationPermission = 'default', answer: NotificationPermission = 'granted') {
  let current: ReturnType<typeof fakeSubscription> | null = null;
  const pushManager = {
    getSubscription: vi.fn(async () => current),
    subscribe: vi.fn(async () => (current = fakeSubscription())),
  };
  const notification = { permission, requestPermission: vi.fn(async () => answer) };
  const e: PushEnv = {
    userAgent: ANDROID,
    maxTouchPoints: 5,
    standalone: false,
    hasServiceWorker: true,
    hasPushManager: true,
    notification,
    registration: async () => ({ pushManager }) as unknown as ServiceWorkerRegistration,
    ...overrides,
  };
  return { env: e, pushManager, notification };
}

function fakeApi() {
  const calls: Array<[string, string, unknown]> = [];
  const api = {
    get: vi.fn(async (path: string) => {
      calls.push(['GET', path, undefined]);
      return { public_key: KEY };
    }),
    post: vi.fn(async (path: string, body: unknown) => {
      calls.push(['POST', path, body]);
      return {};
    }),
    request: vi.fn(async (method: string, path: string, opts?: { body?: unknown }) => {
      calls.push([method, path, opts?.body]);
      return undefined;
    }),
    csrfToken: vi.fn(),
  } as unknown as Api;
  return { api, calls };
}

describe('turning push on', () => {
  it('asks for permission, subscribes with the server key and registers the subscription', async () => {
    const { env: e, pushManager, notification } = env();
    const { api, calls } = fakeApi();
    await enableNotifications(api, e, 'en');
    expect(notification.requestPermission).toHaveBeenCalledOnce();
    const options = pushManager.subscribe.mock.calls[0] as unknown as [PushSubscriptionOptionsInit];
    expect(options[0].userVisibleOnly).toBe(true);
    expect(Array.from(options[0].applicationServerKey as Uint8Array)).toEqual(Array.from(base64UrlToBytes(KEY)));
    expect(calls.at(-1)).toEqual([
      'POST',
      '/api/push/subscriptions',
      { endpoint: 'https://fcm.googleapis.com/fcm/send/abc', keys: { p256dh: 'p', auth: 'a' }, device: 'Android Chrome', language: 'en' },
    ]);
  });

  it('says why when permission is refused or dismissed, and never subscribes', async () => {
    for (const [answer, problem] of [
      ['denied', 'denied'],
      ['default', 'dismissed'],
    ] as const) {
      const { env: e, pushManager } = env({}, 'default', answer);
      const err = await enableNotifications(fakeApi().api, e, 'zh-CN').catch((x: unknown) => x);
      expect(err).toBeInstanceOf(PushSetupError);
      expect((err as PushSetupError).problem).toBe(problem);
      expect(pushManager.subscribe).not.toHaveBeenCalled();
    }
  });

  it('does not ask again when permission was already given', async () => {
    const { env: e, notification } = env({}, 'granted');
    await enableNotifications(fakeApi().api, e, 'zh-CN');
    expect(notification.requestPermission).not.toHaveBeenCalled();
  });

  it('tells iPhone users to install the app first, other browsers without push that they cannot', () => {
    const bare = { hasPushManager: false, notification: null };
    expect(pushSupport(env({ ...bare, userAgent: IPHONE }).env)).toBe('ios-install');
    expect(pushSupport(env({ ...bare, userAgent: ANDROID }).env)).toBe('unsupported');
    expect(pushSupport(env({ userAgent: IPHONE, standalone: true }).env)).toBe('supported');
    expect(pushSupport(env({ hasServiceWorker: false }).env)).toBe('unsupported');
  });

  it('fails with ios-install before asking anything on an uninstalled iPhone', async () => {
    const { env: e } = env({ userAgent: IPHONE, hasPushManager: false, notification: null });
    const err = await enableNotifications(fakeApi().api, e, 'zh-CN').catch((x: unknown) => x);
    expect((err as PushSetupError).problem).toBe('ios-install');
  });

  it('turning off tells the server, then unsubscribes the browser', async () => {
    const { env: e } = env({}, 'granted');
    const { api, calls } = fakeApi();
    const sub = await enableNotifications(api, e, 'zh-CN');
    await disableNotifications(api, e);
    expect(calls.at(-1)).toEqual(['DELETE', '/api/push/subscriptions', { endpoint: sub.endpoint }]);
    expect(sub.unsubscribe).toHaveBeenCalled();
  });

  it('offers each role the kinds that can reach it', () => {
    expect(kindsFor(['supervisor'])).toEqual(['review_requested', 'rejected', 'key_overdue', 'finding_overdue', 'parking_variance', 'permit_expiring']);
    expect(kindsFor(['patrol'])).toEqual(['rejected', 'key_overdue', 'finding_overdue', 'permit_expiring']);
    expect(kindsFor(['cashier'])).toEqual(['finding_overdue']);
    expect(deviceName(IPHONE)).toBe('iOS Safari');
  });
});

describe('the service worker shows a push', () => {
  it('uses the server texts, tag, icon and record URL', () => {
    const n = notificationFromPush(
      JSON.stringify({ v: 1, kind: 'rejected', title: '巡查报告被退回', body: '李娜退回了…', url: '/patrols/p1', tag: 'rejected:patrols:p1', icon: '/icons/icon-192.png', lang: 'zh-CN', ts: 5 }),
      'en-US',
    );
    expect(n.title).toBe('巡查报告被退回');
    expect(n.options).toMatchObject({ body: '李娜退回了…', tag: 'rejected:patrols:p1', icon: '/icons/icon-192.png', renotify: true, timestamp: 5, data: { url: '/patrols/p1', kind: 'rejected' } });
  });

  it('shows a translated generic notice for a payload it cannot read', () => {
    expect(notificationFromPush('not json', 'zh-CN').title).toBe('Fieldkeep 现场');
    expect(notificationFromPush(null, 'en-GB').options.body).toBe('You have a new notification.');
  });

  it('opens only paths on its own origin', () => {
    expect(safePath('/findings/1')).toBe('/findings/1');
    for (const bad of ['https://evil.example/', '//evil.example/x', '/\\evil', 'javascript:alert(1)', 42, null]) {
      expect(safePath(bad), String(bad)).toBe('/');
    }
    expect(isOpenUrlMessage({ type: OPEN_URL, url: '/keys/1' })).toBe(true);
    expect(isOpenUrlMessage({ type: 'SKIP_WAITING' })).toBe(false);
  });
});
