// Deleting local copies of photos (rule 7). A copy may go only when the
// server has confirmed it (HEAD 200 or PUT 200/201) and no mutation still to
// send refers to it. Such copies are kept a week (the author may look at
// them offline), and go at once, oldest confirmation first, when storage is
// tight. A photo the server does not have is never deleted.
import type { LocalDB } from '../db/local';
import { deletablePhotos, deleteLocalCopies } from '../db/photos';

export const KEEP_MS = 7 * 24 * 60 * 60_000;
/** Storage is tight when this share of the quota is used, or less than MIN_FREE is left. */
export const PRESSURE_RATIO = 0.8;
export const MIN_FREE_BYTES = 50 * 1024 * 1024;

export interface Estimate {
  usage?: number;
  quota?: number;
}

export interface CleanupDeps {
  estimate?: () => Promise<Estimate | undefined>;
  now?: () => number;
  keepMs?: number;
}

function browserEstimate(): Promise<Estimate | undefined> {
  const s = typeof navigator === 'undefined' ? undefined : navigator.storage;
  return s?.estimate ? s.estimate() : Promise.resolve(undefined);
}

export function isTight(e: Estimate | undefined): boolean {
  if (!e || typeof e.usage !== 'number' || typeof e.quota !== 'number' || e.quota <= 0) return false;
  return e.usage / e.quota >= PRESSURE_RATIO || e.quota - e.usage < MIN_FREE_BYTES;
}

/** Delete the local copies that may and should go; returns their hashes. */
export async function cleanupPhotos(db: LocalDB, deps: CleanupDeps = {}): Promise<string[]> {
  const candidates = await deletablePhotos(db);
  if (candidates.length === 0) return [];
  let tight = false;
  try {
    tight = isTight(await (deps.estimate ?? browserEstimate)());
  } catch {
    // no estimate (private mode, old browser): only the age rule applies
  }
  const now = (deps.now ?? Date.now)();
  const keep = deps.keepMs ?? KEEP_MS;
  const pick = tight ? candidates : candidates.filter((c) => c.uploaded_at !== null && now - c.uploaded_at >= keep);
  return deleteLocalCopies(
    db,
    pick.map((c) => c.hash),
  );
}
