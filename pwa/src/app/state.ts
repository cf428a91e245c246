// App-wide state as signals. Views read these; session.ts and pwa.ts write them.
import { signal } from '@preact/signals';
import type { MessageKey } from '../i18n';
import type { User } from '../model';

/** True until the stored user and language have been read at start. */
export const booting = signal(true);

/** The signed-in user (from the local database first, refreshed from the server). */
export const user = signal<User | null>(null);

/** A note for the sign-in screen (session expired, signed out). */
export const loginNotice = signal<MessageKey | null>(null);

export const online = signal(typeof navigator === 'undefined' ? true : navigator.onLine !== false);

/** Set when a new service worker is waiting; calling it activates the worker and reloads. */
export const applyUpdate = signal<(() => void) | null>(null);

export type Route = 'home' | 'settings';

const PATHS: Record<Route, string> = { home: '/', settings: '/settings' };

function routeOf(path: string): Route {
  return path.replace(/\/+$/, '') === PATHS.settings ? 'settings' : 'home';
}

export const route = signal<Route>(typeof location === 'undefined' ? 'home' : routeOf(location.pathname));

export function navigate(to: Route, replace = false): void {
  if (route.value === to) return;
  route.value = to;
  if (typeof history !== 'undefined') {
    if (replace) history.replaceState(null, '', PATHS[to]);
    else history.pushState({ fieldkeep: true }, '', PATHS[to]);
  }
}

/** Back to home: pop our own history entry when there is one, else replace. */
export function goHome(): void {
  const st: unknown = typeof history === 'undefined' ? null : history.state;
  if (route.value !== 'home' && typeof st === 'object' && st !== null && 'fieldkeep' in st) history.back();
  else navigate('home', true);
}

export function watchLocation(): void {
  addEventListener('popstate', () => {
    route.value = routeOf(location.pathname);
  });
}
