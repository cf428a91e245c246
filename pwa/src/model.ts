// Shapes shared by the views, the local database and the API client.

export const ROLES = ['patrol', 'environment', 'cashier', 'supervisor', 'manager', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export interface Site {
  id: string;
  name: string;
}

export interface User {
  id: string;
  username: string;
  display_name: string;
  /** As sent by the server; roles this build does not know are kept but not shown as cards. */
  roles: string[];
  sites: Site[];
  language?: string;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function idOf(v: unknown): string | null {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

/** Check the `user` object the server sends; null when it is not one. */
export function parseUser(v: unknown): User | null {
  if (!isObj(v)) return null;
  const id = idOf(v.id);
  if (id === null || typeof v.username !== 'string') return null;
  const display = typeof v.display_name === 'string' && v.display_name.trim() !== '' ? v.display_name : v.username;
  const roles = Array.isArray(v.roles) ? v.roles.filter((r): r is string => typeof r === 'string') : [];
  const sites: Site[] = [];
  if (Array.isArray(v.sites)) {
    for (const s of v.sites) {
      if (!isObj(s)) continue;
      const sid = idOf(s.id);
      if (sid === null) continue;
      sites.push({ id: sid, name: typeof s.name === 'string' ? s.name : sid });
    }
  }
  const user: User = { id, username: v.username, display_name: display, roles, sites };
  if (typeof v.language === 'string' && v.language !== '') user.language = v.language;
  return user;
}
