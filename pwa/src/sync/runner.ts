// When to sync, one run at a time across tabs, and the signals the views show.
// Triggers: start, `online`, becoming visible, ~3 s after a local write, every
// 5 minutes, and the "sync now" button. Network and server failures retry
// with exponential backoff and jitter; 401 asks to sign in again.
import type { LocalDB } from '../db/local';
import type { Api } from './api';
import { syncOnce, type SyncFailure, type SyncOutcome } from './client';
import { lastError, progress, syncing } from './status';

export const LOCK_NAME = 'fieldkeep-sync';
export const WRITE_DELAY_MS = 3_000;
export const INTERVAL_MS = 5 * 60_000;
export const BACKOFF_BASE_MS = 2_000;
export const BACKOFF_MAX_MS = 5 * 60_000;

/** Delay before retry number `attempt` (0-based): full jitter between half and all of base·2^attempt, capped. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** Failures that fix themselves (network, server trouble): retried with backoff. */
export function isRetryable(f: SyncFailure): boolean {
  if (f.kind === 'network') return true;
  if (f.kind === 'server') return f.status === 0 || f.status === 408 || f.status === 429 || f.status >= 500;
  return false;
}

interface LockManagerLike {
  request(name: string, cb: () => Promise<unknown>): Promise<unknown>;
}

export interface RunnerDeps {
  db: LocalDB;
  api: Api;
  /** Called on 401: the session is gone; the outbox stays in the local database. */
  onUnauthorized?: (code: string) => void;
  /** Called after every clean run (the members cache refresh hooks in here). */
  afterSync?: () => Promise<void>;
  locks?: LockManagerLike | null;
  random?: () => number;
  isOnline?: () => boolean;
}

function browserLocks(): LockManagerLike | null {
  const n = typeof navigator === 'undefined' ? undefined : (navigator as Navigator & { locks?: LockManagerLike }).locks;
  return n && typeof n.request === 'function' ? n : null;
}

/** Only one run per tab (in-tab flag) and per origin (Web Locks, when the browser has them). */
export class SyncRunner {
  private readonly deps: RunnerDeps;
  private running: Promise<SyncOutcome | null> | null = null;
  private again = false;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private writeTimer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private cleanup: (() => void)[] = [];

  constructor(deps: RunnerDeps) {
    this.deps = deps;
  }

  /** Start the triggers and run once. */
  start(): void {
    if (typeof addEventListener === 'function') {
      const onOnline = () => {
        this.attempt = 0;
        void this.request();
      };
      const onVisible = () => {
        if (document.visibilityState === 'visible') void this.request();
      };
      addEventListener('online', onOnline);
      if (typeof document !== 'undefined') document.addEventListener('visibilitychange', onVisible);
      const timer = setInterval(() => void this.request(), INTERVAL_MS);
      this.cleanup.push(() => {
        removeEventListener('online', onOnline);
        if (typeof document !== 'undefined') document.removeEventListener('visibilitychange', onVisible);
        clearInterval(timer);
      });
    }
    void this.request();
  }

  stop(): void {
    this.stopped = true;
    for (const f of this.cleanup.splice(0)) f();
    this.clearTimers();
    progress.value = null;
  }

  /** A local write happened: sync soon, letting a burst of edits go in one push. */
  noteWrite(): void {
    if (this.stopped) return;
    if (this.writeTimer) clearTimeout(this.writeTimer);
    this.writeTimer = setTimeout(() => {
      this.writeTimer = null;
      void this.request();
    }, WRITE_DELAY_MS);
  }

  /** The "sync now" button: at once, even when the browser thinks it is offline. */
  syncNow(): Promise<SyncOutcome | null> {
    this.attempt = 0;
    return this.request(true);
  }

  /** Run now, or once more after the run in progress. Resolves with this tab's outcome. */
  request(force = false): Promise<SyncOutcome | null> {
    if (this.stopped) return Promise.resolve(null);
    if (!force && this.deps.isOnline && !this.deps.isOnline()) return Promise.resolve(null);
    if (this.running) {
      this.again = true;
      return this.running;
    }
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    this.running = this.loop().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async loop(): Promise<SyncOutcome | null> {
    let outcome: SyncOutcome | null = null;
    do {
      this.again = false;
      outcome = await this.locked();
    } while (this.again && !this.stopped && (outcome?.ok ?? false));
    return outcome;
  }

  private async locked(): Promise<SyncOutcome | null> {
    const locks = this.deps.locks === undefined ? browserLocks() : this.deps.locks;
    let outcome: SyncOutcome | null = null;
    const body = async () => {
      outcome = await this.runOnce();
    };
    if (locks) await locks.request(LOCK_NAME, body);
    else await body();
    return outcome;
  }

  private async runOnce(): Promise<SyncOutcome | null> {
    if (this.stopped) return null;
    syncing.value = true;
    let outcome: SyncOutcome;
    try {
      outcome = await syncOnce({
        db: this.deps.db,
        api: this.deps.api,
        onProgress: (sent, total) => {
          if (!this.stopped) progress.value = total > 0 ? { sent, total } : null;
        },
      });
    } catch (err) {
      // A local database failure, say: report it, retry later.
      console.warn('fieldkeep: sync failed', err);
      outcome = { ok: false, failure: { kind: 'server', status: 0, code: 'unknown', message: '' }, pushed: 0 };
    } finally {
      syncing.value = false;
      progress.value = null;
    }
    if (this.stopped) return outcome;
    if (outcome.ok) {
      this.attempt = 0;
      lastError.value = null;
      if (this.deps.afterSync) await this.deps.afterSync().catch(() => undefined);
      return outcome;
    }
    const f = outcome.failure;
    lastError.value = f;
    if (f.kind === 'unauthorized') this.deps.onUnauthorized?.(f.code);
    else if (isRetryable(f)) this.scheduleRetry();
    return outcome;
  }

  private scheduleRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const delay = backoffDelay(this.attempt++, this.deps.random);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.request();
    }, delay);
  }

  /** Whether a retry is waiting (after a network or server failure). */
  get retrying(): boolean {
    return this.retryTimer !== null;
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.writeTimer) clearTimeout(this.writeTimer);
    this.retryTimer = null;
    this.writeTimer = null;
  }
}
