// App-wide state as signals. Views read these; session.ts and pwa.ts write them.
import { signal } from '@preact/signals';
import type { MessageKey } from '../i18n';
import type { User } from '../model';

export { online } from '../sync/status';

/** True until the stored user and language have been read at start. */
export const booting = signal(true);

/** The signed-in user (from the local database first, refreshed from the server). */
export const user = signal<User | null>(null);

/** A note for the sign-in screen (session expired, signed out). */
export const loginNotice = signal<MessageKey | null>(null);

/** Set when a new service worker is waiting; calling it activates the worker and reloads. */
export const applyUpdate = signal<(() => void) | null>(null);

export type Route =
  | { name: 'home' }
  | { name: 'settings' }
  | { name: 'sync' }
  | { name: 'findings' }
  | { name: 'finding-new' }
  | { name: 'finding'; id: string }
  | { name: 'finding-edit'; id: string; notice?: string };

export type RouteName = 'home' | 'settings' | 'sync' | 'findings' | 'finding-new';

export function pathOf(r: Route): string {
  switch (r.name) {
    case 'home':
      return '/';
    case 'settings':
      return '/settings';
    case 'sync':
      return '/sync';
    case 'findings':
      return '/findings';
    case 'finding-new':
      return '/findings/new';
    case 'finding':
      return `/findings/${encodeURIComponent(r.id)}`;
    case 'finding-edit':
      return `/findings/${encodeURIComponent(r.id)}/edit${r.notice ? `?notice=${encodeURIComponent(r.notice)}` : ''}`;
  }
}

export function parseRoute(path: string, search = ''): Route {
  const p = path.replace(/\/+$/, '') || '/';
  if (p === '/settings') return { name: 'settings' };
  if (p === '/sync') return { name: 'sync' };
  if (p === '/findings') return { name: 'findings' };
  if (p === '/findings/new') return { name: 'finding-new' };
  const m = /^\/findings\/([^/]+)(\/edit)?$/.exec(p);
  if (m) {
    let id: string;
    try {
      id = decodeURIComponent(m[1]!);
    } catch {
      return { name: 'home' };
    }
    if (!m[2]) return { name: 'finding', id };
    const notice = new URLSearchParams(search).get('notice');
    return notice ? { name: 'finding-edit', id, notice } : { name: 'finding-edit', id };
  }
  return { name: 'home' };
}

export const route = signal<Route>(
  typeof location === 'undefined' ? { name: 'home' } : parseRoute(location.pathname, location.search),
);

export function navigate(to: Route | RouteName, replace = false): void {
  const next: Route = typeof to === 'string' ? ({ name: to } as Route) : to;
  const path = pathOf(next);
  if (pathOf(route.value) === path) return;
  route.value = next;
  if (typeof history !== 'undefined') {
    if (replace) history.replaceState(history.state, '', path);
    else history.pushState({ fieldkeep: true }, '', path);
  }
  if (typeof scrollTo === 'function') scrollTo(0, 0);
}

/** Back: pop our own history entry when there is one, else replace with `fallback`. */
export function goBack(fallback: Route | RouteName = 'home'): void {
  const st: unknown = typeof history === 'undefined' ? null : history.state;
  if (typeof st === 'object' && st !== null && 'fieldkeep' in st) history.back();
  else navigate(fallback, true);
}

export function goHome(): void {
  if (route.value.name !== 'home') goBack('home');
}

export function watchLocation(): void {
  addEventListener('popstate', () => {
    route.value = parseRoute(location.pathname, location.search);
  });
}
