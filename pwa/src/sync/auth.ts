// The server's auth endpoints.
import { parseUser, type User } from '../model';
import { api, ApiError, type Api } from './api';

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

export async function logout(client: Api = api): Promise<void> {
  await client.post('/api/auth/logout');
}
