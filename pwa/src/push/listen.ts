// The service worker asks an open window to show a record when a notification
// is tapped (src/sw/sw.ts): the app navigates without reloading, and syncs at
// once, since a notification means the server has news the phone may lack.
import { syncNow } from '../app/data';
import { navigate, parseRoute } from '../app/state';
import { isOpenUrlMessage } from '../sw/push';

export function listenForNotificationClicks(): void {
  if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return;
  navigator.serviceWorker.addEventListener('message', (event: MessageEvent) => {
    if (!isOpenUrlMessage(event.data)) return;
    const url = new URL(event.data.url, location.origin);
    if (url.origin !== location.origin) return;
    navigate(parseRoute(url.pathname, url.search));
    void syncNow().catch(() => undefined);
  });
  navigator.serviceWorker.startMessages();
}
