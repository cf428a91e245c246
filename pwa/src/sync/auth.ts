// The server's auth endpoints, and the check of the user they answer with.
import type { Site, User } from '../app/api-types';
import { api, ApiError, type Api } from './api';

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
      const site: Site = { id: sid, name: typeof s.name === 'string' ? s.name : sid };
      if (typeof s.timezone === 'string' && s.timezone !== '') site.timezone = s.timezone;
      sites.push(site);
    }
  }
  const user: User = { id, username: v.username, display_name: display, roles, sites };
  if (typeof v.language === 'string' && v.language !== '') user.language = v.language;
  return user;
}

function userFrom(body: unknown, status = 200): User {
  const user = parseUser(typeof body === 'object' && body !== null ? (body as { user?: unknown }).user : undefined);
  if (!user) throw new ApiError(status, 'bad_response', '');
  return user;
}

export async function login(username: string, password: string, client: Api = api): Promise<User> {
  return userFrom(await client.post('/api/auth/login', { username, password }));
}

/** The signed-in user; ApiError 401 `not_authenticated` when there is no session. */
export async function me(client: Api = api): Promise<User> {
  return userFrom(await client.get('/api/auth/me'));
}

/** Keep the person's language choice on the account, so their other devices follow it. */
export async function saveLanguage(language: string, client: Api = api): Promise<void> {
  await client.request('PATCH', '/api/auth/me', { body: { language } });
}

/** End the session; with this browser's push endpoint the server drops that subscription too. */
export async function logout(client: Api = api, pushEndpoint?: string | null): Promise<void> {
  await client.post('/api/auth/logout', pushEndpoint ? { push_endpoint: pushEndpoint } : undefined);
}
