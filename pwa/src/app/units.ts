// The units of a site as the server lists them (GET /api/sites/{id}/units), read
// from the cached answer, and how people write a unit: building, entrance, number.
import type { UnitRead } from './api-types';
import { isObj, num, str, strOrNull } from './fields';

/** A unit of one of my sites (GET /api/sites/{id}/units, cached in meta for offline use). */
export interface Unit extends Omit<UnitRead, 'vacant_since'> {
  site_id: number;
  vacant_since: string | null;
}

export function parseUnits(v: unknown, siteId: number): Unit[] {
  if (!Array.isArray(v)) return [];
  const out: Unit[] = [];
  for (const u of v) {
    if (!isObj(u) || typeof u.id !== 'number') continue;
    out.push({
      id: u.id,
      site_id: siteId,
      building_id: num(u.building_id) ?? 0,
      building_name: str(u.building_name),
      entrance: str(u.entrance),
      number: str(u.number),
      vacant: u.vacant !== false,
      vacant_since: strOrNull(u.vacant_since),
      patrol_interval_days: num(u.patrol_interval_days) ?? 7,
      area_m2: num(u.area_m2),
    });
  }
  return out;
}

export function unitLabel(u: Pick<Unit, 'building_name' | 'entrance' | 'number'>): string {
  return `${u.building_name}${u.entrance}${u.number}`;
}
