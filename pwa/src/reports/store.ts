// The reports' reads: the list of reports this user may open and a dashboard's
// figures, both kept in the user's local meta (app/cache.ts keys) so a dashboard
// opened offline shows the last fetched figures with their date; a ledger page
// is fetched as it is asked for (online only: it is SQL over the server's tables).
import { CACHE, type Cached } from '../app/cache';
import { cached } from '../app/site';
import { localDb, setLocalMeta } from '../db/local';
import { api } from '../sync/api';
import { isDashboard, reportUrl, type Period, type ReportListItem, type ReportRead } from './report';

/** A dashboard as fetched: its site and period, and each chart's report (or why it failed). */
export interface Dashboard extends Period {
  site_id: string;
  reports: ReportRead[];
}

const listKey = CACHE.reports;
const dashKey = (siteId: string) => `${CACHE.dashboard}${siteId}`;

async function keep<T>(key: string, data: T): Promise<Cached<T>> {
  const kept = { at: Date.now(), data };
  const db = localDb();
  if (db) await setLocalMeta(db, key, kept);
  return kept;
}

export function cachedList(): Cached<ReportListItem[]> | null {
  return cached<ReportListItem[]>(listKey);
}

export function cachedDashboard(siteId: string): Cached<Dashboard> | null {
  return cached<Dashboard>(dashKey(siteId));
}

/** The reports this user may open (kept for offline use). */
export async function fetchList(): Promise<ReportListItem[]> {
  const list = await api.get<ReportListItem[]>('/api/reports');
  await keep(listKey, list);
  return list;
}

/** Every chart of the list for one site and period, fetched whole (a chart's rows are its points). */
export async function fetchDashboard(list: readonly ReportListItem[], siteId: string, period: Period): Promise<Cached<Dashboard>> {
  const charts = list.filter(isDashboard);
  const reports = await Promise.all(
    charts.map((r) => api.get<ReportRead>(reportUrl(r.name, { site_id: siteId, ...period, limit: 500 }))),
  );
  return keep<Dashboard>(dashKey(siteId), { site_id: siteId, ...period, reports });
}

export function fetchPage(name: string, q: Parameters<typeof reportUrl>[1]): Promise<ReportRead> {
  return api.get<ReportRead>(reportUrl(name, q));
}
