// The photos table: what the upload queue and the cleanup read and write.
// New photos are stored by `enqueue` (local.ts), in the transaction of the
// mutation that puts them into a record (rule 9); nothing else adds them.
import type { LocalDB, OutboxRow, PhotoMeta, PhotoRow } from './local';

const HASH = /^[0-9a-f]{64}$/;

export function isPhotoHash(v: unknown): v is string {
  return typeof v === 'string' && HASH.test(v);
}

/** Every photo hash anywhere in these mutations' args (a set field as a list or {add, remove}). */
export function referencedHashes(rows: readonly Pick<OutboxRow, 'args'>[]): Set<string> {
  const out = new Set<string>();
  const walk = (v: unknown, depth: number): void => {
    if (depth > 6) return;
    if (isPhotoHash(v)) out.add(v);
    else if (Array.isArray(v)) for (const x of v) walk(x, depth + 1);
    else if (typeof v === 'object' && v !== null) for (const x of Object.values(v)) walk(x, depth + 1);
  };
  for (const r of rows) walk(r.args, 0);
  return out;
}

function meta(row: PhotoRow): PhotoMeta {
  const { bytes: _bytes, ...rest } = row;
  return rest;
}

/** All photos on this device, without their bytes (what the views show). */
export async function photoIndex(db: LocalDB): Promise<PhotoMeta[]> {
  return (await db.photos.toArray()).map(meta);
}

export async function localPhotoRow(db: LocalDB, hash: string): Promise<PhotoRow | null> {
  return (await db.photos.get(hash)) ?? null;
}

/** Photos waiting for the server, oldest first (the order they are uploaded in). */
export async function queuedPhotos(db: LocalDB): Promise<PhotoRow[]> {
  return db.photos.where('state').equals('queued').sortBy('created_at');
}

export async function markUploaded(db: LocalDB, hash: string, at: number): Promise<void> {
  await db.photos.update(hash, { uploaded: true, state: 'uploaded', uploaded_at: at, next_at: 0, error: null });
}

/** The server refused the photo for good (413, 415, 422, 400): kept, shown with its reason. */
export async function markFailed(db: LocalDB, hash: string, error: { code: string; message: string }): Promise<void> {
  await db.photos.update(hash, { state: 'failed', error });
}

/** A transient failure: try again at `nextAt`. */
export async function markRetry(
  db: LocalDB,
  hash: string,
  attempts: number,
  nextAt: number,
  error: { code: string; message: string } | null,
): Promise<void> {
  await db.photos.update(hash, { attempts, next_at: nextAt, error });
}

/** Queue failed photos (or the given ones) again, as new. */
export async function requeuePhotos(db: LocalDB, hashes?: string[]): Promise<void> {
  await db.transaction('rw', db.photos, async () => {
    const rows = hashes ? (await db.photos.bulkGet(hashes)).filter((r): r is PhotoRow => !!r) : await db.photos.where('state').equals('failed').toArray();
    for (const r of rows) {
      if (r.state === 'uploaded') continue;
      await db.photos.update(r.hash, { state: 'queued', attempts: 0, next_at: 0, error: null });
    }
  });
}

async function unsentRefs(db: LocalDB): Promise<Set<string>> {
  const rows = await db.outbox.where('state').anyOf(['pending', 'sending']).toArray();
  return referencedHashes(rows);
}

/**
 * Local copies that may go: confirmed by the server and not referenced by a
 * mutation still to send. Oldest confirmation first.
 */
export async function deletablePhotos(db: LocalDB): Promise<PhotoMeta[]> {
  return db.transaction('r', [db.photos, db.outbox], async () => {
    const refs = await unsentRefs(db);
    const rows = await db.photos.where('state').equals('uploaded').toArray();
    return rows
      .filter((r) => r.uploaded && !refs.has(r.hash))
      .map(meta)
      .sort((a, b) => (a.uploaded_at ?? 0) - (b.uploaded_at ?? 0));
  });
}

/**
 * Delete these local copies, checking again in one transaction with the
 * outbox that each is confirmed and unreferenced (an edit may have picked
 * it up since). Returns the hashes deleted.
 */
export async function deleteLocalCopies(db: LocalDB, hashes: readonly string[]): Promise<string[]> {
  if (hashes.length === 0) return [];
  return db.transaction('rw', [db.photos, db.outbox], async () => {
    const refs = await unsentRefs(db);
    const rows = await db.photos.bulkGet([...hashes]);
    const gone = rows
      .filter((r): r is PhotoRow => !!r && r.uploaded && r.state === 'uploaded' && !refs.has(r.hash))
      .map((r) => r.hash);
    await db.photos.bulkDelete(gone);
    return gone;
  });
}
