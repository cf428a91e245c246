// REST answers the patrol and key screens need offline, cached in the user's
// local meta (`units:<site>`, `due:<site>`, `keysout:<site>`): refreshed after
// every clean sync and when a screen opens online. Small: it is in the first
// load (registered with the sync runner's after-sync hook).
import { localDb, setLocalMeta } from '../db/local';
import { api } from '../sync/api';

export const CACHE = {
  units: 'units:',
  due: 'due:',
  keysOut: 'keysout:',
  permitKeys: 'permitkeys',
  vendors: 'vendors:',
  zones: 'zones:',
  template: 'vtemplate:',
  // Written by the reports screens when they open online (reports/store.ts).
  reports: 'reports',
  dashboard: 'dashboard:',
} as const;

export interface Cached<T> {
  at: number;
  data: T;
}

async function fetchInto(key: string, path: string): Promise<boolean> {
  const db = localDb();
  if (!db) return false;
  try {
    const data: unknown = await api.get(path);
    if (localDb() !== db) return false;
    await setLocalMeta(db, key, { at: Date.now(), data } satisfies Cached<unknown>);
    return true;
  } catch {
    return false; // offline or not allowed: keep what is cached
  }
}

/** The site's units, vacant or not (the finding form's unit picker; patrols keep the vacant ones). */
export function refreshUnits(siteId: string): Promise<boolean> {
  const id = encodeURIComponent(siteId);
  return fetchInto(`${CACHE.units}${siteId}`, `/api/sites/${id}/units`);
}

/** The server's own due list and keys out now (for overdue flags). */
export async function refreshSite(siteId: string): Promise<void> {
  const id = encodeURIComponent(siteId);
  await Promise.all([
    refreshUnits(siteId),
    fetchInto(`${CACHE.due}${siteId}`, `/api/sites/${id}/patrols/due`),
    fetchInto(`${CACHE.keysOut}${siteId}`, `/api/sites/${id}/keys/out`),
    // Vendor inspections are scored offline: the vendors and zones of the site.
    fetchInto(`${CACHE.vendors}${siteId}`, `/api/vendors?site_id=${id}`),
    fetchInto(`${CACHE.zones}${siteId}`, `/api/vendors/zones?site_id=${id}`),
  ]);
}

export async function refreshAll(siteIds: string[]): Promise<void> {
  // The permit scanner's public keys (all the user's sites): it verifies with no network.
  // The current inspection template of each vendor service.
  const templates = ['cleaning', 'greening', 'pest'].map((s) => fetchInto(`${CACHE.template}${s}`, `/api/vendors/templates?service=${s}`));
  await Promise.all([...siteIds.map(refreshSite), fetchInto(CACHE.permitKeys, '/api/permits/keys'), ...templates]);
}
