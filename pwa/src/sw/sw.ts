/// <reference lib="webworker" />
// The service worker: the only code that caches. It precaches the app shell
// (the build's manifest), answers navigations with the cached index.html so
// the app opens with no network, and leaves /api/ and /schema to the network.
import { clientsClaim } from 'workbox-core';
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { NETWORK_ONLY } from './routes';

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
