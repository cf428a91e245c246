// A small in-memory server that follows sync protocol v1 (DESIGN.md) closely
// enough to drive the PWA's sync client: seq order, deferral after a gap,
// exactly-once by mutation id, per-field merge by stamp, a locked status,
// revisions and opaque cursors with an epoch (reset on restore).
import { createApi, type Api, type FetchLike } from '../../src/sync/api';

interface Rec {
  collection: string;
  id: string;
  revision: number;
  deleted: boolean;
  fields: Record<string, unknown>;
  stamps: Record<string, string>;
}

interface Result {
  id: string;
  status: string;
  revision: number | null;
  conflicts: { field: string; kept: unknown; discarded: unknown; why: string }[];
  error: { code: string; message: string; field: string | null } | null;
}

export interface Req {
  method: string;
  url: string;
  body: unknown;
}

const SET_FIELDS = new Set(['photos', 'fix_photos']);
const SERVER_OWNED = new Set(['created_by', 'created_at']);

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const err = (status: number, code: string) => json(status, { error: { code, message: `${code} (server text)` } });

export class FakeServer {
  epoch = 1;
  revision = 0;
  user = 7;
  records = new Map<string, Rec>();
  results = new Map<string, { device: string; seq: number; result: Result }>();
  devices = new Map<string, { user: number; applied_through: number }>();
  requests: Req[] = [];
  /** Answer 401 to everything while false. */
  authorized = true;
  /** Answer 413 to a push with more mutations than this. */
  maxMutations = Infinity;
  /** Throw (as fetch does offline) for the next n requests. */
  failNext = 0;
  /** Throw (as fetch does offline) for requests this picks. */
  failWhen: ((req: Req) => boolean) | null = null;
  /** Process the push, then lose the answer (as a dropped connection does), for the next n pushes. */
  loseAnswers = 0;
  /** Defer every mutation from this seq on in the next push (as if one before it were missing). */
  deferFrom: number | null = null;
  /** Answer 409 device_mismatch. */
  mismatch = false;
  now = 1_750_000_000_000;

  readonly fetch: FetchLike = async (url, init) => {
    const method = init.method ?? 'GET';
    const body = typeof init.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
    this.requests.push({ method, url, body });
    if (this.failNext > 0 || this.failWhen?.({ method, url, body })) {
      if (this.failNext > 0) this.failNext--;
      throw new TypeError('Failed to fetch');
    }
    if (!this.authorized) return err(401, 'session_expired');
    const u = new URL(url, 'http://x');
    if (method === 'POST' && u.pathname === '/api/sync/push') {
      const res = this.push(body as { device_id: string; mutations: { id: string; seq: number; name: string; args: Record<string, unknown>; hlc: string }[] });
      if (this.loseAnswers > 0 && res.status === 200) {
        this.loseAnswers--;
        throw new TypeError('connection reset');
      }
      return res;
    }
    if (method === 'GET' && u.pathname === '/api/sync/pull') return this.pull(u.searchParams);
    if (method === 'GET' && /^\/api\/sites\/\d+\/members$/.test(u.pathname)) return json(200, []);
    return err(404, 'not_found');
  };

  api(): Api {
    return createApi({ fetch: this.fetch, getCookie: () => 'csrf-token', lang: () => 'zh-CN' });
  }

  pushes(): { device_id: string; mutations: { id: string; seq: number; name: string; args: Record<string, unknown>; hlc: string }[] }[] {
    return this.requests.filter((r) => r.url === '/api/sync/push').map((r) => r.body as never);
  }

  pulls(): URLSearchParams[] {
    return this.requests.filter((r) => r.url.startsWith('/api/sync/pull')).map((r) => new URL(r.url, 'http://x').searchParams);
  }

  /** What a backup holds: records, results, devices and the revision, deep-copied. */
  backup(): string {
    return JSON.stringify({ revision: this.revision, records: [...this.records], results: [...this.results], devices: [...this.devices] });
  }

  /** Put a backup back: everything since is lost, and a new epoch begins. */
  restore(backup: string): void {
    const b = JSON.parse(backup) as { revision: number; records: [string, Rec][]; results: [string, never][]; devices: [string, never][] };
    this.revision = b.revision;
    this.records = new Map(b.records);
    this.results = new Map(b.results);
    this.devices = new Map(b.devices);
    this.epoch++;
  }

  /** A write made on the server (another device or a supervisor on the web). */
  serverWrite(collection: string, id: string, fields: Record<string, unknown>, stamp = this.stamp()): Rec {
    const key = `${collection}/${id}`;
    const rec = this.records.get(key) ?? { collection, id, revision: 0, deleted: false, fields: {}, stamps: {} };
    for (const [k, v] of Object.entries(fields)) {
      rec.fields[k] = v;
      rec.stamps[k] = stamp;
    }
    rec.revision = ++this.revision;
    this.records.set(key, rec);
    return rec;
  }

  serverDelete(collection: string, id: string): void {
    const rec = this.records.get(`${collection}/${id}`);
    if (!rec) return;
    rec.deleted = true;
    rec.fields = {};
    rec.revision = ++this.revision;
  }

  /** A stamp later than any a device makes in these tests. */
  stamp(): string {
    return `${String(9_000_000_000_000).padStart(15, '0')}-00000-server`;
  }

  private push(body: { device_id: string; mutations: { id: string; seq: number; name: string; args: Record<string, unknown>; hlc: string }[] }): Response {
    if (!body || !Array.isArray(body.mutations) || typeof body.device_id !== 'string') return err(400, 'invalid_body');
    if (body.mutations.length > this.maxMutations) return err(413, 'payload_too_large');
    if (this.mismatch) return err(409, 'device_mismatch');
    let device = this.devices.get(body.device_id);
    if (!device) {
      device = { user: this.user, applied_through: 0 };
      this.devices.set(body.device_id, device);
    }
    const deferFrom = this.deferFrom;
    this.deferFrom = null;
    const results: Result[] = [];
    let blocked = false;
    for (const m of [...body.mutations].sort((a, b) => a.seq - b.seq)) {
      const prior = this.results.get(m.id);
      if (prior) {
        results.push({ ...prior.result, status: 'duplicate' });
        continue;
      }
      const expected = device.applied_through + 1;
      if (blocked || m.seq > expected || (deferFrom !== null && m.seq >= deferFrom)) {
        blocked = true;
        results.push({ id: m.id, status: 'deferred', revision: null, conflicts: [], error: { code: 'seq_gap', message: 'gap', field: null } });
        continue;
      }
      let result: Result;
      if (m.seq < expected) {
        result = { id: m.id, status: 'rejected', revision: null, conflicts: [], error: { code: 'seq_reused', message: 'reused', field: null } };
      } else {
        result = this.apply(m);
        device.applied_through = m.seq;
      }
      this.results.set(m.id, { device: body.device_id, seq: m.seq, result });
      results.push(result);
    }
    return json(200, { results, applied_through: device.applied_through });
  }

  private reject(id: string, code: string, field: string | null = null): Result {
    return { id, status: 'rejected', revision: null, conflicts: [], error: { code, message: `${code} (server text)`, field } };
  }

  private apply(m: { id: string; name: string; args: Record<string, unknown>; hlc: string }): Result {
    const rid = m.args.id;
    if (typeof rid !== 'string') return this.reject(m.id, 'invalid_args', 'id');
    if (m.name === 'findings.upsert') {
      const key = `findings/${rid}`;
      const cur = this.records.get(key);
      if (cur?.deleted) return this.reject(m.id, 'record_deleted');
      if (cur?.fields.status === 'closed') return this.reject(m.id, 'record_locked');
      for (const k of Object.keys(m.args)) if (SERVER_OWNED.has(k)) return this.reject(m.id, 'server_owned_field', k);
      const rec = cur ?? { collection: 'findings', id: rid, revision: 0, deleted: false, fields: { created_by: this.user, created_at: '2025-06-15T08:00:00Z' }, stamps: {} };
      const conflicts: Result['conflicts'] = [];
      for (const [k, v] of Object.entries(m.args)) {
        if (k === 'id' || k === 'base_revision' || k === 'resolves') continue; // the engine takes these out
        if (SET_FIELDS.has(k)) {
          const have = new Set(Array.isArray(rec.fields[k]) ? (rec.fields[k] as string[]) : []);
          if (Array.isArray(v)) for (const x of v) have.add(x as string);
          else {
            const o = v as { add?: string[]; remove?: string[] };
            for (const x of o.remove ?? []) have.delete(x);
            for (const x of o.add ?? []) have.add(x);
          }
          rec.fields[k] = [...have].sort();
          continue;
        }
        const stored = rec.stamps[k];
        if (stored !== undefined && stored > m.hlc) {
          conflicts.push({ field: k, kept: rec.fields[k], discarded: v, why: 'newer_edit' });
          continue;
        }
        rec.fields[k] = v;
        rec.stamps[k] = m.hlc;
      }
      rec.revision = ++this.revision;
      this.records.set(key, rec);
      return { id: m.id, status: conflicts.length ? 'merged' : 'applied', revision: rec.revision, conflicts, error: null };
    }
    if (m.name === 'findings.comment') {
      const rec = this.serverWrite('finding_comments', rid, {
        finding_id: m.args.finding_id,
        body: m.args.body,
        author_id: this.user,
        created_at: '2025-06-15T08:00:00Z',
      });
      return { id: m.id, status: 'applied', revision: rec.revision, conflicts: [], error: null };
    }
    if (m.name === 'findings.delete') {
      this.serverDelete('findings', rid);
      return { id: m.id, status: 'applied', revision: this.revision, conflicts: [], error: null };
    }
    return this.reject(m.id, 'unknown_mutation');
  }

  private pull(q: URLSearchParams): Response {
    const limit = Number(q.get('limit') ?? '500');
    const cursor = q.get('cursor');
    let after = 0;
    let reset = false;
    if (cursor !== null) {
      const m = /^c(\d+):(\d+)$/.exec(cursor);
      if (!m) return err(400, 'bad_cursor');
      if (Number(m[1]) !== this.epoch || Number(m[2]) > this.revision) reset = true;
      else after = Number(m[2]);
    }
    const rows = [...this.records.values()]
      .filter((r) => r.revision > after && !(after === 0 && r.deleted))
      .sort((a, b) => a.revision - b.revision);
    const page = rows.slice(0, limit);
    const has_more = rows.length > limit;
    const through = has_more ? page[page.length - 1]!.revision : this.revision;
    return json(200, {
      changes: page.map((r) => ({ collection: r.collection, id: r.id, revision: r.revision, deleted: r.deleted, fields: r.deleted ? {} : r.fields })),
      cursor: `c${this.epoch}:${through}`,
      has_more,
      reset,
    });
  }
}
