import { effect } from '@preact/signals';
import { render } from 'preact';
import './app/styles.css';
import { App } from './app/App';
import { refreshAll } from './app/cache';
import { attach, detach, onAfterSync, setUnauthorizedHandler } from './app/data';
import { registerServiceWorker } from './app/pwa';
import { listenForNotificationClicks } from './push/listen';
import { loadErrorTexts } from './i18n/errors';
import { boot, expireSession, watchConnectivity } from './app/session';
import { user } from './app/state';
import { watchLocation } from './app/state';

watchConnectivity();
watchLocation();
setUnauthorizedHandler(() => void expireSession());
// The REST answers kept for offline use (units, due list, keys out) refresh after every clean sync.
onAfterSync(refreshAll);
// The signed-in user's local store and sync follow the user: open on sign-in
// (or a start with a stored user), closed on sign-out. A sign-out with nothing
// unsent deletes the store (app/signout.tsx); otherwise it stays for the next sign-in.
effect(() => {
  const u = user.value;
  if (u) attach(u);
  else detach();
});
render(<App />, document.getElementById('app')!);
// The error texts are a chunk of their own (not in the first load); again when the network comes back if that failed.
void loadErrorTexts();
addEventListener('online', () => void loadErrorTexts());
void boot();
registerServiceWorker();
listenForNotificationClicks();
