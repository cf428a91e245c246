// App-wide state as signals. Views read these; session.ts and pwa.ts write them.
import { signal } from '@preact/signals';
import type { MessageKey } from '../i18n';
import type { User } from './api-types';

export { online } from '../sync/status';

/** True until the stored user and language have been read at start. */
export const booting = signal(true);

/** The signed-in user (from the local database first, refreshed from the server). */
export const user = signal<User | null>(null);

/** A note for the sign-in screen (session expired, signed out). */
export const loginNotice = signal<MessageKey | null>(null);

/** Set when a new service worker is waiting; calling it activates the worker and reloads. */
export const applyUpdate = signal<(() => void) | null>(null);

/** The shell's own screens. */
export type ShellRoute = { name: 'home' } | { name: 'settings' } | { name: 'sync' } | { name: 'not-found'; path: string };

/** A feature's screens: loaded on first use (app/App.tsx). */
export type FeatureRoute =
  | { name: 'findings' }
  | { name: 'finding-new' }
  | { name: 'finding'; id: string }
  | { name: 'finding-edit'; id: string; notice?: string }
  | { name: 'patrols' }
  | { name: 'patrol-unit'; unit: number; key?: string }
  | { name: 'patrol'; id: string }
  | { name: 'keys' }
  | { name: 'key'; id: string }
  | { name: 'key-tag'; token: string }
  | { name: 'review' }
  | { name: 'review-item'; id: string }
  | { name: 'admin'; section?: string }
  | { name: 'parking'; section?: string }
  | { name: 'permits' }
  | { name: 'permit-scan' }
  | { name: 'inspections' }
  | { name: 'inspection-new' }
  | { name: 'inspection'; id: string }
  | { name: 'vendors' }
  | { name: 'vendor'; id: number }
  | { name: 'audit' }
  | { name: 'reports' }
  | { name: 'ledgers' }
  | { name: 'ledger'; report: string };

export type Route = ShellRoute | FeatureRoute;

export type Feature = 'findings' | 'patrols' | 'keys' | 'review' | 'admin' | 'parking' | 'permits' | 'vendors' | 'audit' | 'reports';

/** Which feature shows each feature route. */
export const FEATURE_OF: Readonly<Record<FeatureRoute['name'], Feature>> = {
  findings: 'findings',
  'finding-new': 'findings',
  finding: 'findings',
  'finding-edit': 'findings',
  patrols: 'patrols',
  'patrol-unit': 'patrols',
  patrol: 'patrols',
  keys: 'keys',
  key: 'keys',
  'key-tag': 'keys',
  review: 'review',
  'review-item': 'review',
  admin: 'admin',
  parking: 'parking',
  permits: 'permits',
  'permit-scan': 'permits',
  inspections: 'vendors',
  'inspection-new': 'vendors',
  inspection: 'vendors',
  vendors: 'vendors',
  vendor: 'vendors',
  audit: 'audit',
  reports: 'reports',
  ledgers: 'reports',
  ledger: 'reports',
};

export function isFeatureRoute(r: Route): r is FeatureRoute {
  return Object.prototype.hasOwnProperty.call(FEATURE_OF, r.name);
}

export type RouteName = 'home' | 'settings' | 'sync' | 'findings' | 'finding-new' | 'patrols' | 'keys' | 'review' | 'admin' | 'parking' | 'permits' | 'permit-scan' | 'inspections' | 'inspection-new' | 'vendors' | 'reports' | 'ledgers' | 'audit';

export function pathOf(r: Route): string {
  switch (r.name) {
    case 'home':
      return '/';
    case 'settings':
      return '/settings';
    case 'sync':
      return '/sync';
    case 'not-found':
      return r.path;
    case 'findings':
      return '/findings';
    case 'finding-new':
      return '/findings/new';
    case 'finding':
      return `/findings/${encodeURIComponent(r.id)}`;
    case 'finding-edit':
      return `/findings/${encodeURIComponent(r.id)}/edit${r.notice ? `?notice=${encodeURIComponent(r.notice)}` : ''}`;
    case 'patrols':
      return '/patrols';
    case 'patrol-unit':
      return `/patrols/unit/${r.unit}${r.key ? `?key=${encodeURIComponent(r.key)}` : ''}`;
    case 'patrol':
      return `/patrols/${encodeURIComponent(r.id)}`;
    case 'keys':
      return '/keys';
    case 'key':
      return `/keys/${encodeURIComponent(r.id)}`;
    case 'key-tag':
      return `/k/${encodeURIComponent(r.token)}`;
    case 'review':
      return '/review';
    case 'review-item':
      return `/review/${encodeURIComponent(r.id)}`;
    case 'admin':
    case 'parking':
      return `/${r.name}${r.section ? `/${encodeURIComponent(r.section)}` : ''}`;
    case 'permits':
      return '/permits';
    case 'permit-scan':
      return '/permits/scan';
    case 'inspections':
      return '/inspections';
    case 'inspection-new':
      return '/inspections/new';
    case 'inspection':
      return `/inspections/${encodeURIComponent(r.id)}`;
    case 'vendors':
      return '/vendors';
    case 'vendor':
      return `/vendors/${r.id}`;
    case 'audit':
      return '/audit';
    case 'reports':
      return '/reports';
    case 'ledgers':
      return '/ledgers';
    case 'ledger':
      return `/ledgers/${encodeURIComponent(r.report)}`;
  }
}

/** An address we do not know (or cannot decode) is a not-found page, never the home screen. */
export function parseRoute(path: string, search = ''): Route {
  const p = path.replace(/\/+$/, '') || '/';
  const notFound: Route = { name: 'not-found', path };
  if (p === '/') return { name: 'home' };
  if (p === '/settings') return { name: 'settings' };
  if (p === '/sync') return { name: 'sync' };
  if (p === '/findings') return { name: 'findings' };
  if (p === '/findings/new') return { name: 'finding-new' };
  const feature = parseFeatureRoute(p, search);
  if (feature) return feature;
  const m = /^\/findings\/([^/]+)(\/edit)?$/.exec(p);
  if (m) {
    let id: string;
    try {
      id = decodeURIComponent(m[1]!);
    } catch {
      return notFound;
    }
    if (!m[2]) return { name: 'finding', id };
    const notice = new URLSearchParams(search).get('notice');
    return notice ? { name: 'finding-edit', id, notice } : { name: 'finding-edit', id };
  }
  return notFound;
}

/** Patrols, keys, review and the admin desk by path (findings are parsed above). */
function parseFeatureRoute(p: string, search: string): FeatureRoute | null {
  if (p === '/patrols' || p === '/keys' || p === '/review' || p === '/admin' || p === '/parking' || p === '/permits' || p === '/inspections' || p === '/vendors' || p === '/reports' || p === '/ledgers' || p === '/audit') return { name: p.slice(1) } as FeatureRoute;
  if (p === '/permits/scan') return { name: 'permit-scan' };
  if (p === '/inspections/new') return { name: 'inspection-new' };
  const m = /^\/(patrols\/unit|patrols|keys|k|review|admin|parking|inspections|vendors|ledgers)\/([^/]+)$/.exec(p);
  if (!m) return null;
  let v: string;
  try {
    v = decodeURIComponent(m[2]!);
  } catch {
    return null;
  }
  switch (m[1]) {
    case 'patrols/unit': {
      const unit = Number(v);
      if (!Number.isSafeInteger(unit) || unit <= 0) return null;
      const key = new URLSearchParams(search).get('key');
      return key ? { name: 'patrol-unit', unit, key } : { name: 'patrol-unit', unit };
    }
    case 'patrols':
      return { name: 'patrol', id: v };
    case 'keys':
      return { name: 'key', id: v };
    case 'k':
      return { name: 'key-tag', token: v };
    case 'review':
      return { name: 'review-item', id: v };
    case 'parking':
      return { name: 'parking', section: v };
    case 'inspections':
      return { name: 'inspection', id: v };
    case 'vendors': {
      const id = Number(v);
      return Number.isSafeInteger(id) && id > 0 ? { name: 'vendor', id } : null;
    }
    case 'ledgers':
      return { name: 'ledger', report: v };
    default:
      return { name: 'admin', section: v };
  }
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

/**
 * After a save on screen `from`: go on to `to` (replacing `from`), unless the person already
 * went elsewhere while the save ran (a tap on 同步 must not be undone by the save finishing).
 */
export function leave(from: Route, to: Route | RouteName): void {
  if (pathOf(route.value) === pathOf(from)) navigate(to, true);
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
