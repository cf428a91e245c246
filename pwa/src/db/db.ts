// The app database `fieldkeep`. This folder is the only code that imports Dexie.
// It holds `meta` only: small key/value rows (who is signed in on this
// install, the chosen language, a pending sign-out). Each user's synced data
// and outbox live in their own database (local.ts).
import Dexie, { type EntityTable } from 'dexie';
import { isLang, type Lang } from '../i18n';
import type { User } from '../app/api-types';
import { parseUser } from '../sync/auth';

export const DB_NAME = 'fieldkeep';

export interface MetaRow {
  key: string;
  value: unknown;
  updated_at: number;
}

export class FieldkeepDB extends Dexie {
  meta!: EntityTable<MetaRow, 'key'>;

  constructor(name: string = DB_NAME) {
    super(name);
    this.version(1).stores({ meta: 'key' });
  }
}

let current: FieldkeepDB | null = null;

/** The app's database (opened on first use). Tests may pass another name. */
export function database(name?: string): FieldkeepDB {
  if (name !== undefined && current?.name !== name) {
    current?.close();
    current = new FieldkeepDB(name);
  }
  current ??= new FieldkeepDB();
  return current;
}

export async function getMeta(key: string): Promise<unknown> {
  return (await database().meta.get(key))?.value;
}

export async function setMeta(key: string, value: unknown): Promise<void> {
  await database().meta.put({ key, value, updated_at: Date.now() });
}

export async function deleteMeta(key: string): Promise<void> {
  await database().meta.delete(key);
}

const USER = 'user';
const LANG = 'lang';
const PENDING_LOGOUT = 'pending_logout';

/** The user stored at the last sign-in (or refreshed by /api/auth/me since). */
export async function loadUser(): Promise<User | null> {
  return parseUser(await getMeta(USER));
}

export async function saveUser(user: User): Promise<void> {
  await setMeta(USER, user);
}

export async function clearUser(): Promise<void> {
  await deleteMeta(USER);
}

/** The language the person chose, if they ever did. */
export async function loadLang(): Promise<Lang | null> {
  const v = await getMeta(LANG);
  return isLang(v) ? v : null;
}

export async function saveLang(lang: Lang): Promise<void> {
  await setMeta(LANG, lang);
}

/**
 * Set when a sign-out could not reach the server; retried when online. A
 * string is the browser's push endpoint, sent with the retried sign-out.
 */
export async function loadPendingLogout(): Promise<string | boolean> {
  const v = await getMeta(PENDING_LOGOUT);
  return v === true || typeof v === 'string' ? v : false;
}

export async function setPendingLogout(pending: string | boolean): Promise<void> {
  if (pending) await setMeta(PENDING_LOGOUT, pending);
  else await deleteMeta(PENDING_LOGOUT);
}
