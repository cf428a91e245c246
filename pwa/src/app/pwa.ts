// Registers the service worker and offers a waiting one to the person:
// the worker never skips waiting by itself (a half-updated app mid-form is worse).
import { Workbox } from 'workbox-window';
import { applyUpdate } from './state';

const HOUR = 60 * 60 * 1000;

export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  const wb = new Workbox('/sw.js', { scope: '/' });
  let registration: ServiceWorkerRegistration | undefined;
  let reloading = false;
  const reload = () => {
    if (reloading) return;
    reloading = true;
    location.reload();
  };

  wb.addEventListener('waiting', () => {
    applyUpdate.value = () => {
      // Another tab may have taken the update already: the new worker then controls this
      // page too and nothing waits any more, so only this page's code is old. Reload it.
      if (registration && !registration.waiting) {
        reload();
        return;
      }
      wb.addEventListener('controlling', reload);
      wb.messageSkipWaiting();
    };
  });

  wb.register()
    .then((r) => {
      registration = r;
    })
    .catch((err: unknown) => console.warn('fieldkeep: service worker registration failed', err));

  const check = () => {
    if (navigator.onLine) void wb.update().catch(() => undefined);
  };
  setInterval(check, HOUR);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') check();
  });
}
