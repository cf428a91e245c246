/// <reference lib="webworker" />
// The service worker: the only code that caches. It precaches the app shell
// (the build's manifest), answers navigations with the cached index.html so
// the app opens with no network, and leaves /api/ and /schema to the network
// (except photos, /api/media/<sha256>, kept in their own cache; see the end).
import { clientsClaim } from 'workbox-core';
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { CacheableResponsePlugin } from 'workbox-cacheable-response';
import { ExpirationPlugin } from 'workbox-expiration';
import { CacheFirst } from 'workbox-strategies';
import { isMediaImage, MEDIA_CACHE, MEDIA_MAX_AGE_SECONDS, MEDIA_MAX_ENTRIES, NETWORK_ONLY } from './routes';
import { notificationFromPush, OPEN_URL, safePath } from './push';

declare const self: ServiceWorkerGlobalScope & {
  __WB_MANIFEST: Array<string | { url: string; revision: string | null }>;
};

// No unconditional skipWaiting: the page asks, after the person agrees to reload.
self.addEventListener('message', (event: ExtendableMessageEvent) => {
  const data: unknown = event.data;
  if (typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'SKIP_WAITING') {
    void self.skipWaiting();
  }
});

// On the very first install, take the open page at once (there is no old
// worker to disagree with); later versions wait for SKIP_WAITING above.
clientsClaim();

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

registerRoute(
  new NavigationRoute(createHandlerBoundToURL('/index.html'), {
    denylist: NETWORK_ONLY,
  }),
);

// Photos from the server (rule 7): named by their hash, so a cached copy is
// always right. Only 200s are kept (a 404 may be a photo not uploaded yet),
// in their own cache with a size limit; dropped first when storage runs out.
registerRoute(
  ({ url, request, sameOrigin }) => sameOrigin && request.method === 'GET' && isMediaImage(url.pathname),
  new CacheFirst({
    cacheName: MEDIA_CACHE,
    plugins: [
      new CacheableResponsePlugin({ statuses: [200] }),
      new ExpirationPlugin({ maxEntries: MEDIA_MAX_ENTRIES, maxAgeSeconds: MEDIA_MAX_AGE_SECONDS, purgeOnQuotaError: true }),
    ],
  }),
);

// Web push (src/sw/push.ts): the server sends the texts in the person's
// language; show them. A click focuses an open Fieldkeep window and takes it
// to the record (the page navigates itself, keeping its state), or opens one.
self.addEventListener('push', (event: PushEvent) => {
  let text: string | null = null;
  try {
    text = event.data ? event.data.text() : null;
  } catch {
    text = null;
  }
  const shown = notificationFromPush(text, self.navigator.language);
  event.waitUntil(self.registration.showNotification(shown.title, shown.options));
});

self.addEventListener('notificationclick', (event: NotificationEvent) => {
  event.notification.close();
  const data: unknown = event.notification.data;
  const path = safePath(typeof data === 'object' && data !== null ? (data as { url?: unknown }).url : null);
  const done = openRecord(path);
  try {
    event.waitUntil(done);
  } catch {
    // an event made by script (not the browser) cannot be extended; the work still runs
  }
});

async function openRecord(path: string): Promise<void> {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const ours = windows.filter((c) => new URL(c.url).origin === self.location.origin);
  const target = ours.find((c) => c.focused) ?? ours.find((c) => c.visibilityState === 'visible') ?? ours[0];
  if (target) {
    target.postMessage({ type: OPEN_URL, url: path });
    try {
      await target.focus();
    } catch {
      // focusing is allowed only from a real click
    }
    return;
  }
  await self.clients.openWindow(new URL(path, self.location.origin).href);
}
