// Wire types of sync protocol v1 (see /work/shared/DESIGN.md and sync/_wire.py),
// and light checks of what the server sends (the PWA never trusts a shape blindly).

export type Args = Record<string, unknown>;

export interface WireMutation {
  id: string;
  seq: number;
  name: string;
  args: Args;
  hlc: string;
}

export interface PushRequest {
  device_id: string;
  mutations: WireMutation[];
}

export type Status = 'applied' | 'merged' | 'rejected' | 'duplicate' | 'deferred';

export interface Conflict {
  field: string;
  kept: unknown;
  discarded: unknown;
  why: string;
}

export interface ErrorInfo {
  code: string;
  message: string;
  field?: string | null;
  /** What the code's text names (e.g. {name: '张伟'} for key_handed_over). */
  args?: Record<string, string | number>;
}

export interface MutationResult {
  id: string;
  status: Status;
  revision?: number | null;
  conflicts?: Conflict[];
  error?: ErrorInfo | null;
}

export interface PushResponse {
  results: MutationResult[];
  applied_through: number;
}

export interface Change {
  collection: string;
  id: string;
  revision: number;
  deleted: boolean;
  fields: Record<string, unknown>;
}

export interface PullResponse {
  changes: Change[];
  cursor: string;
  has_more: boolean;
  reset?: boolean;
}

const STATUSES: ReadonlySet<string> = new Set(['applied', 'merged', 'rejected', 'duplicate', 'deferred']);

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The error's `args`, keeping only what a text can show (strings and numbers). */
function textArgs(v: unknown): Record<string, string | number> {
  if (!isObj(v)) return {};
  const out: Record<string, string | number> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string' || typeof x === 'number') out[k] = x;
  return out;
}

function errorInfo(v: unknown): ErrorInfo | null {
  if (!isObj(v) || typeof v.code !== 'string') return null;
  return {
    code: v.code,
    message: typeof v.message === 'string' ? v.message : '',
    field: typeof v.field === 'string' ? v.field : null,
    args: textArgs(v.args),
  };
}

function conflicts(v: unknown): Conflict[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isObj).flatMap((c) =>
    typeof c.field === 'string'
      ? [{ field: c.field, kept: c.kept, discarded: c.discarded, why: typeof c.why === 'string' ? c.why : '' }]
      : [],
  );
}

/** The push answer, or null when it is not one. */
export function parsePush(v: unknown): PushResponse | null {
  if (!isObj(v) || !Array.isArray(v.results) || !Number.isSafeInteger(v.applied_through)) return null;
  const results: MutationResult[] = [];
  for (const r of v.results) {
    if (!isObj(r) || typeof r.id !== 'string' || typeof r.status !== 'string' || !STATUSES.has(r.status)) return null;
    results.push({
      id: r.id,
      status: r.status as Status,
      revision: typeof r.revision === 'number' ? r.revision : null,
      conflicts: conflicts(r.conflicts),
      error: errorInfo(r.error),
    });
  }
  return { results, applied_through: v.applied_through as number };
}

/** The pull answer, or null when it is not one. */
export function parsePull(v: unknown): PullResponse | null {
  if (!isObj(v) || !Array.isArray(v.changes) || typeof v.cursor !== 'string' || typeof v.has_more !== 'boolean') {
    return null;
  }
  const changes: Change[] = [];
  for (const c of v.changes) {
    if (!isObj(c) || typeof c.collection !== 'string' || typeof c.id !== 'string' || typeof c.revision !== 'number') {
      return null;
    }
    changes.push({
      collection: c.collection,
      id: c.id,
      revision: c.revision,
      deleted: c.deleted === true,
      fields: isObj(c.fields) ? c.fields : {},
    });
  }
  return { changes, cursor: v.cursor, has_more: v.has_more, reset: v.reset === true };
}
