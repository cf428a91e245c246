// The shapes of the server's REST answers, written once here (they mirror the
// msgspec Structs of server/*/controller.py); screens and stores import them
// instead of declaring their own. Sync records are not here: see sync/wire.ts.

/** A site as the signed-in user sees it (in `GET /api/auth/me`). */
export interface Site {
  id: string;
  name: string;
  /** IANA zone of the site's calendar (absent in a user stored by an older version). */
  timezone?: string;
}

/** `GET /api/auth/me` `user`, checked by `parseUser` (app/user.ts). */
export interface User {
  id: string;
  username: string;
  display_name: string;
  /** As sent by the server; roles this build does not know are kept but not shown as cards. */
  roles: string[];
  sites: Site[];
  language?: string;
}

/** `GET /api/sites/{id}/members` (MemberRead). */
export interface MemberRead {
  id: number;
  username: string;
  display_name: string;
  roles: string[];
}

/** `GET /api/sites` (SiteRead), for the admin desk. */
export interface SiteRead {
  id: number;
  name: string;
  code: string;
  address: string;
  timezone: string;
}

/** `GET /api/sites/{id}/buildings` (BuildingRead). */
export interface BuildingRead {
  id: number;
  site_id: number;
  name: string;
}

/** `GET /api/sites/{id}/units` (UnitRead). */
export interface UnitRead {
  id: number;
  building_id: number;
  building_name: string;
  entrance: string;
  number: string;
  area_m2: number | null;
  vacant: boolean;
  vacant_since: string | null;
  patrol_interval_days: number;
}

/** `GET /api/sites/{id}/keys/out` (KeyOut). */
export interface KeyOutRead {
  id: string;
  code: string;
  label: string;
  holder_id: number | null;
  holder: string;
  purpose: string | null;
  out_since: string | null;
  expected_return: string | null;
  overdue: boolean;
}

/** `GET /api/users` (UserAdminRead). */
export interface UserAdminRead {
  id: number;
  username: string;
  display_name: string;
  phone: string;
  active: boolean;
  roles: string[];
  site_ids: number[];
}

/** One bad line of a units CSV (server/sites/units_csv.py). */
export interface RowError {
  line: number;
  column: string;
  code: string;
  message: string;
}

/** `POST /api/sites/{id}/units/import` (ImportResult). */
export interface ImportResult {
  encoding: string;
  rows: number;
  new_buildings: string[];
  errors: RowError[];
  imported: number;
}

/** `GET /api/media/{sha256}/info`. */
export interface MediaInfo {
  taken_at: string | null;
  gps_lat: number | null;
  gps_lon: number | null;
  uploader: { display_name: string; username: string } | null;
}
