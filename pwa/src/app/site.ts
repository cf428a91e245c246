// What every feature reads about the user's sites: the clock ("today" on site,
// moved on every minute), who acts, site names, and the sites' vacant units
// (a REST answer cached for offline use, see cache.ts and units.ts).
import { computed, effect, signal } from '@preact/signals';
import { CACHE, type Cached } from './cache';
import { localSnapshot, me } from './data';
import { DEFAULT_TIME_ZONE, timeZone, today } from './format';
import { user } from './state';
import { parseUnits, type Unit } from './units';

/** Re-evaluated every minute so "overdue" and "today" move on while a screen is open. */
export const clock = signal(Date.now());
if (typeof setInterval === 'function') setInterval(() => (clock.value = Date.now()), 60_000);

/** The zone of the user's sites (the first one's, should they differ), else the server's default. */
effect(() => {
  timeZone.value = user.value?.sites.find((s) => s.timezone)?.timezone ?? DEFAULT_TIME_ZONE;
});

export const todayOnSite = computed(() => today(clock.value));

/** Who acts on this device, for the rules the PWA predicts (the server decides). */
export const actor = computed(() => ({ id: me.value, roles: user.value?.roles ?? [] }));

export function siteName(id: number | null): string {
  if (id === null) return '';
  return user.value?.sites.find((s) => s.id === String(id))?.name ?? `#${id}`;
}

/** A cached REST answer from the user's local meta, or null. */
export function cached<T>(key: string): Cached<T> | null {
  const v = localSnapshot.value?.meta[key];
  return typeof v === 'object' && v !== null && 'data' in v ? (v as Cached<T>) : null;
}

/** Cached units (vacant or not) of every site of mine, and when each list was fetched. */
export const allUnits = computed(() => {
  const out: Unit[] = [];
  const fetched = new Map<string, number>();
  for (const s of user.value?.sites ?? []) {
    const c = cached<unknown>(`${CACHE.units}${s.id}`);
    if (!c) continue;
    fetched.set(s.id, c.at);
    out.push(...parseUnits(c.data, Number(s.id)));
  }
  return { list: out, fetched };
});

/** The vacant ones (what patrols visit). */
export const units = computed(() => ({ list: allUnits.value.list.filter((u) => u.vacant), fetched: allUnits.value.fetched }));

export function unitById(id: number | null): Unit | null {
  return id === null ? null : allUnits.value.list.find((u) => u.id === id) ?? null;
}

export interface SiteGroup<T> {
  siteId: number | null;
  name: string;
  items: T[];
}

/**
 * An all-sites list by site (two sites' "3栋1单元301" are two rows under two
 * site names): groups in the order of the user's sites, records of another
 * site after them, each group keeping the list's own order.
 */
export function bySite<T>(list: readonly T[], siteOf: (x: T) => number | null, sites: readonly { id: string; name: string }[]): SiteGroup<T>[] {
  const groups = new Map<string, SiteGroup<T>>();
  for (const s of sites) groups.set(s.id, { siteId: Number(s.id), name: s.name, items: [] });
  for (const x of list) {
    const id = siteOf(x);
    const k = id === null ? '' : String(id);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { siteId: id, name: id === null ? '' : `#${id}`, items: [] }));
    g.items.push(x);
  }
  return [...groups.values()].filter((g) => g.items.length > 0);
}
