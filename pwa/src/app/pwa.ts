// Registers the service worker and offers a waiting one to the person:
// the worker never skips waiting by itself (a half-updated app mid-form is worse).
import { Workbox } from 'workbox-window';
import { applyUpdate } from './state';

const HOUR = 60 * 60 * 1000;

export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  const wb = new Workbox('/sw.js', { scope: '/' });
  let reloading = false;

  wb.addEventListener('waiting', () => {
    applyUpdate.value = () => {
      wb.addEventListener('controlling', () => {
        if (reloading) return;
        reloading = true;
        location.reload();
      });
      wb.messageSkipWaiting();
    };
  });

  void wb.register().catch((err: unknown) => console.warn('fieldkeep: service worker registration failed', err));

  const check = () => {
    if (navigator.onLine) void wb.update().catch(() => undefined);
  };
  setInterval(check, HOUR);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') check();
  });
}
