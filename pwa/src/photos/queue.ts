// The photo upload queue, apart from the mutation outbox: every photo in
// state 'queued' is checked with HEAD and sent with PUT when the server lacks
// it, oldest first. Its state lives in IndexedDB (the photos table), so it
// resumes after a reload or a restart. Mutations may reach the server before
// their photos; the server accepts a hash it does not have yet.
//
// Failures: no answer (offline, timeout) or 401 stop the pass and retry the
// queue with exponential backoff and jitter; server trouble (5xx, 429, …) on
// one photo backs off that photo (attempts and next_at are stored) and the
// queue goes on; a refusal for good (400, 413, 415, 422) marks the photo
// failed with the server's code, shown translated, never retried by itself.
import type { LocalDB, PhotoRow } from '../db/local';
import { markFailed, markRetry, markUploaded, queuedPhotos } from '../db/photos';
import { isNetworkError } from '../sync/api';
import { backoffDelay } from '../sync/runner';
import { uploadProgress } from './status';
import type { Transport } from './transport';

export const LOCK_NAME = 'fieldkeep-photos';
export const INTERVAL_MS = 5 * 60_000;
/** Statuses that will not change by trying again: the photo is marked failed. */
export const PERMANENT: ReadonlySet<number> = new Set([400, 413, 415, 422]);

export type UploadResult =
  | { kind: 'done'; status: number }
  | { kind: 'failed'; error: { code: string; message: string } }
  | { kind: 'retry'; error: { code: string; message: string } }
  | { kind: 'offline' }
  | { kind: 'unauthorized' };

function refusal(status: number, code: string): string {
  if (code) return code;
  if (status === 413) return 'photo_too_large';
  if (status === 415) return 'unsupported_media';
  return status >= 500 ? 'server' : 'unknown';
}

/** One photo: HEAD, then PUT when the server does not have it. 200/201 on PUT both mean "stored". */
export async function uploadPhoto(t: Transport, row: Pick<PhotoRow, 'hash' | 'bytes'>, onProgress?: (sent: number) => void): Promise<UploadResult> {
  try {
    const head = await t.head(row.hash);
    if (head === 200) return { kind: 'done', status: 200 };
    if (head === 401) return { kind: 'unauthorized' };
    if (head === 400) return { kind: 'failed', error: { code: 'bad_hash', message: '' } };
    if (head !== 404) return { kind: 'retry', error: { code: refusal(head, ''), message: '' } };
    const put = await t.put(row.hash, row.bytes, onProgress);
    if (put.status === 200 || put.status === 201) return { kind: 'done', status: put.status };
    if (put.status === 401) return { kind: 'unauthorized' };
    const error = { code: refusal(put.status, put.code), message: put.message };
    if (PERMANENT.has(put.status)) return { kind: 'failed', error };
    return { kind: 'retry', error };
  } catch (err) {
    if (isNetworkError(err)) return { kind: 'offline' };
    throw err;
  }
}

interface LockManagerLike {
  request(name: string, cb: () => Promise<unknown>): Promise<unknown>;
}

function browserLocks(): LockManagerLike | null {
  const n = typeof navigator === 'undefined' ? undefined : (navigator as Navigator & { locks?: LockManagerLike }).locks;
  return n && typeof n.request === 'function' ? n : null;
}

export interface UploaderDeps {
  db: LocalDB;
  transport: Transport;
  isOnline?: () => boolean;
  random?: () => number;
  now?: () => number;
  locks?: LockManagerLike | null;
  /** Run after every pass (the local-copy cleanup hooks in here). */
  afterPass?: () => Promise<unknown>;
}

export interface PassSummary {
  uploaded: number;
  failed: number;
  retried: number;
  /** The pass stopped early: no network, the session is gone, or the local database failed. */
  stopped: 'offline' | 'unauthorized' | 'error' | null;
}

export class PhotoUploader {
  private readonly deps: UploaderDeps;
  private running: Promise<PassSummary | null> | null = null;
  private again = false;
  private againForce = false;
  /** Queue-wide retries after a pass stopped for want of a network (or a session). */
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private cleanup: (() => void)[] = [];

  constructor(deps: UploaderDeps) {
    this.deps = deps;
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** Start the triggers (online, visible, every 5 minutes) and work through what is queued. */
  start(): void {
    if (typeof addEventListener === 'function') {
      const onOnline = () => void this.kick(true);
      const onVisible = () => {
        if (document.visibilityState === 'visible') void this.kick();
      };
      addEventListener('online', onOnline);
      if (typeof document !== 'undefined') document.addEventListener('visibilitychange', onVisible);
      const interval = setInterval(() => void this.kick(), INTERVAL_MS);
      this.cleanup.push(() => {
        removeEventListener('online', onOnline);
        if (typeof document !== 'undefined') document.removeEventListener('visibilitychange', onVisible);
        clearInterval(interval);
      });
    }
    void this.kick(true);
  }

  stop(): void {
    this.stopped = true;
    for (const f of this.cleanup.splice(0)) f();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    uploadProgress.value = null;
  }

  /**
   * Work through the queue now, or once more after the pass in progress.
   * `force`: also photos still backing off, and even when the browser says offline
   * (a new photo, back online, "sync now").
   */
  kick(force = false): Promise<PassSummary | null> {
    if (this.stopped) return Promise.resolve(null);
    if (!force && this.deps.isOnline && !this.deps.isOnline()) return Promise.resolve(null);
    if (force) this.attempt = 0;
    if (this.running) {
      this.again = true;
      this.againForce ||= force;
      return this.running;
    }
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.running = this.loop(force).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Whether a later pass is scheduled (a backoff or a photo's next_at). */
  get waiting(): boolean {
    return this.timer !== null;
  }

  private async loop(force: boolean): Promise<PassSummary | null> {
    let summary: PassSummary | null = null;
    let f = force;
    do {
      this.again = false;
      this.againForce = false;
      summary = await this.locked(f);
      f = this.againForce;
    } while (this.again && !this.stopped && summary?.stopped == null);
    if (!this.stopped) await this.schedule(summary);
    return summary;
  }

  private async locked(force: boolean): Promise<PassSummary | null> {
    const locks = this.deps.locks === undefined ? browserLocks() : this.deps.locks;
    let out: PassSummary | null = null;
    const body = async () => {
      try {
        out = await this.pass(force);
      } catch (err) {
        // The local database failed (or was closed at sign-out): try again later.
        if (!this.stopped) console.warn('fieldkeep: photo upload pass failed', err);
        out = { uploaded: 0, failed: 0, retried: 0, stopped: 'error' };
      }
    };
    if (locks) await locks.request(LOCK_NAME, body);
    else await body();
    return out;
  }

  private async pass(force: boolean): Promise<PassSummary> {
    const { db, transport } = this.deps;
    const summary: PassSummary = { uploaded: 0, failed: 0, retried: 0, stopped: null };
    const start = this.now();
    const due = (await queuedPhotos(db)).filter((r) => force || r.next_at <= start);
    if (this.stopped) return summary;
    if (due.length === 0) {
      if (this.deps.afterPass) await this.deps.afterPass().catch(() => undefined);
      return summary;
    }
    const p = { done: 0, total: due.length, sentBytes: 0, totalBytes: due.reduce((n, r) => n + r.size, 0) };
    const show = (extra = 0) => {
      if (!this.stopped) uploadProgress.value = { ...p, sentBytes: Math.min(p.totalBytes, p.sentBytes + extra) };
    };
    show();
    try {
      for (const queued of due) {
        if (this.stopped) break;
        // Another tab may have sent it meanwhile (or it was queued again).
        const row = await db.photos.get(queued.hash);
        if (!row || row.state !== 'queued') {
          p.done++;
          p.sentBytes += queued.size;
          show();
          continue;
        }
        const res = await uploadPhoto(transport, row, (sent) => show(sent));
        if (res.kind === 'offline' || res.kind === 'unauthorized') {
          summary.stopped = res.kind;
          break;
        }
        if (res.kind === 'done') {
          await markUploaded(db, row.hash, this.now());
          summary.uploaded++;
          this.attempt = 0;
        } else if (res.kind === 'failed') {
          await markFailed(db, row.hash, res.error);
          summary.failed++;
        } else {
          const delay = backoffDelay(row.attempts, this.deps.random);
          await markRetry(db, row.hash, row.attempts + 1, this.now() + delay, res.error);
          summary.retried++;
        }
        p.done++;
        p.sentBytes += row.size;
        show();
      }
    } finally {
      uploadProgress.value = null;
    }
    if (this.deps.afterPass) await this.deps.afterPass().catch(() => undefined);
    return summary;
  }

  /** After a pass: retry the queue with backoff if it stopped, else wake up when the next photo is due. */
  private async schedule(summary: PassSummary | null): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    let delay: number | null = null;
    if (summary?.stopped) {
      delay = backoffDelay(this.attempt++, this.deps.random);
    } else {
      const rows = await queuedPhotos(this.deps.db).catch(() => [] as PhotoRow[]);
      if (rows.length) delay = Math.max(0, Math.min(...rows.map((r) => r.next_at)) - this.now());
    }
    if (delay === null || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.kick();
    }, delay);
  }
}
