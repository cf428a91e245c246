import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { enqueue, LocalDB, META, setLocalMeta, type NewPhoto, type PhotoRow } from '../../src/db/local';
import { deletablePhotos, referencedHashes, requeuePhotos } from '../../src/db/photos';
import { cleanupPhotos, isTight, KEEP_MS } from '../../src/photos/cleanup';
import { exifBlock, NO_META, readCaptureMeta, takenAtMs, withExif, type CaptureMeta } from '../../src/photos/exif';
import { fit, preparePhoto, sha256Hex, type Codec } from '../../src/photos/process';
import { PhotoUploader, uploadPhoto } from '../../src/photos/queue';
import { uploadProgress } from '../../src/photos/status';
import { createTransport, type Transport } from '../../src/photos/transport';
import { isMediaImage, isNetworkOnly } from '../../src/sw/routes';
import { BACKOFF_BASE_MS } from '../../src/sync/runner';
import type { FetchLike } from '../../src/sync/api';

// ---- a fake /api/media ---------------------------------------------------------

interface Req {
  method: string;
  hash: string;
  csrf: string | null;
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

class FakeMedia {
  stored = new Map<string, number>();
  requests: Req[] = [];
  /** Statuses to answer the next PUTs of a hash with (then the real thing). */
  putAnswers = new Map<string, { status: number; code: string }[]>();
  /** Statuses to answer the next HEADs of a hash with. */
  headAnswers = new Map<string, number[]>();
  offline = false;
  /** Go offline once this many requests were made. */
  offlineAfter = Infinity;

  readonly fetch: FetchLike = async (url, init) => {
    const method = init.method ?? 'GET';
    const hash = /^\/api\/media\/([0-9a-f]{64})$/.exec(url)?.[1] ?? '';
    const headers = (init.headers ?? {}) as Record<string, string>;
    if (this.offline || this.requests.length >= this.offlineAfter) throw new TypeError('Failed to fetch');
    this.requests.push({ method, hash, csrf: headers['X-CSRF-Token'] ?? null });
    if (!hash) return json(400, { error: { code: 'bad_hash', message: 'bad' } });
    if (method === 'HEAD') {
      const forced = this.headAnswers.get(hash)?.shift();
      return new Response(null, { status: forced ?? (this.stored.has(hash) ? 200 : 404) });
    }
    if (method === 'PUT') {
      const forced = this.putAnswers.get(hash)?.shift();
      if (forced) return json(forced.status, { error: { code: forced.code, message: `${forced.code} (server text)` } });
      const body = init.body as Blob;
      const bytes = new Uint8Array(await body.arrayBuffer());
      if ((await sha256Hex(bytes)) !== hash) return json(422, { error: { code: 'hash_mismatch', message: '' } });
      const created = !this.stored.has(hash);
      this.stored.set(hash, bytes.length);
      return json(created ? 201 : 200, { sha256: hash, width: 1, height: 1 });
    }
    return json(405, { error: { code: 'method_not_allowed', message: '' } });
  };

  transport(): Transport {
    return createTransport({ fetch: this.fetch, csrfToken: async () => 'tok', lang: () => 'zh-CN' });
  }

  puts(): string[] {
    return this.requests.filter((r) => r.method === 'PUT').map((r) => r.hash);
  }
}

// ---- helpers --------------------------------------------------------------------

let n = 0;
let db: LocalDB;
let media: FakeMedia;
let clock = 1_750_000_000_000;
const now = () => clock;
const uploaders: PhotoUploader[] = [];

beforeEach(() => {
  db = new LocalDB(`fieldkeep-photos-${++n}`);
  media = new FakeMedia();
  clock = 1_750_000_000_000;
});
afterEach(() => {
  for (const u of uploaders.splice(0)) u.stop();
  db.close();
  vi.useRealTimers();
});

async function photo(content: string, taken: number | null = null): Promise<NewPhoto> {
  const bytes = new TextEncoder().encode(content);
  return { hash: await sha256Hex(bytes), bytes: new Blob([bytes], { type: 'image/jpeg' }), type: 'image/jpeg', width: 10, height: 5, taken_at: taken };
}

/** A finding that holds these photos, written as the form does: mutation and photos together. */
async function attach(id: string, photos: NewPhoto[], field = 'photos') {
  clock += 1000;
  return enqueue(
    db,
    { name: 'findings.upsert', args: { id, site_id: 1, [field]: photos.map((p) => p.hash) }, collection: 'findings', record_id: id },
    { photos, now },
  );
}

function uploader(extra: Partial<ConstructorParameters<typeof PhotoUploader>[0]> = {}): PhotoUploader {
  const u = new PhotoUploader({ db, transport: media.transport(), locks: null, random: () => 1, now, ...extra });
  uploaders.push(u);
  return u;
}

const row = async (hash: string): Promise<PhotoRow> => (await db.photos.get(hash))!;

/** Wait for IndexedDB and promises (real setImmediate) without moving a faked clock. */
async function until(cond: () => boolean | Promise<boolean>, tries = 500): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await cond()) return;
    await new Promise((r) => (globalThis as unknown as { setImmediate: (f: () => void) => void }).setImmediate(() => r(undefined)));
  }
  throw new Error('condition not met');
}

// ---- storing ----------------------------------------------------------------------

describe('storing photos with their mutation (rule 9)', () => {
  it('writes the photo rows and the mutation in one transaction', async () => {
    const a = await photo('a', 1_700_000_000_000);
    const m = await attach('f1', [a]);
    expect(m.args.photos).toEqual([a.hash]);
    const r = await row(a.hash);
    expect(r).toMatchObject({ hash: a.hash, size: 1, type: 'image/jpeg', uploaded: false, state: 'queued', attempts: 0, taken_at: 1_700_000_000_000 });
    expect(await r.bytes.text()).toBe('a');
  });

  it('stores no photo when the mutation cannot be written, and no mutation without its photos', async () => {
    await attach('f1', [await photo('a')]);
    // A broken seq counter makes the next outbox write fail (seq is unique).
    await setLocalMeta(db, META.nextSeq, 1);
    const b = await photo('b');
    await expect(attach('f2', [b])).rejects.toThrow();
    expect(await db.photos.get(b.hash)).toBeUndefined();
    expect(await db.outbox.count()).toBe(1);
  });

  it('keeps an already stored photo (and its upload state) when another record takes it too', async () => {
    const a = await photo('a');
    await attach('f1', [a]);
    await db.photos.update(a.hash, { state: 'uploaded', uploaded: true, uploaded_at: 5 });
    await attach('f2', [a], 'fix_photos');
    expect(await row(a.hash)).toMatchObject({ state: 'uploaded', uploaded: true, uploaded_at: 5 });
    expect(await db.photos.count()).toBe(1);
  });

  it('finds photo hashes in set operations of any shape', () => {
    const h = (c: string) => c.repeat(64);
    expect(
      referencedHashes([
        { args: { id: 'x', photos: [h('a')] } },
        { args: { id: 'y', fix_photos: { add: [h('b')], remove: [h('c')] }, description: 'not a hash' } },
      ]),
    ).toEqual(new Set([h('a'), h('b'), h('c')]));
  });
});

// ---- uploading ----------------------------------------------------------------------

describe('uploading one photo', () => {
  it('asks with HEAD first and sends with PUT only when the server lacks it', async () => {
    const a = await photo('a');
    const t = media.transport();
    expect(await uploadPhoto(t, a)).toEqual({ kind: 'done', status: 201 });
    expect(media.requests.map((r) => r.method)).toEqual(['HEAD', 'PUT']);
    expect(media.requests[1]!.csrf).toBe('tok');
    expect(await uploadPhoto(t, a)).toEqual({ kind: 'done', status: 200 });
    expect(media.requests.map((r) => r.method)).toEqual(['HEAD', 'PUT', 'HEAD']);
  });

  it('takes 200 on PUT (stored already, by someone else) as done', async () => {
    const a = await photo('a');
    media.headAnswers.set(a.hash, [404]); // not visible to this user yet
    media.stored.set(a.hash, 1);
    expect(await uploadPhoto(media.transport(), a)).toEqual({ kind: 'done', status: 200 });
  });

  it('tells refusals for good from trouble worth retrying', async () => {
    const a = await photo('a');
    const t = media.transport();
    for (const [status, code] of [
      [413, 'photo_too_large'],
      [415, 'unsupported_media'],
      [422, 'image_corrupt'],
      [422, 'image_too_large'],
      [422, 'hash_mismatch'],
    ] as const) {
      media.putAnswers.set(a.hash, [{ status, code }]);
      expect(await uploadPhoto(t, a)).toEqual({ kind: 'failed', error: { code, message: `${code} (server text)` } });
    }
    media.putAnswers.set(a.hash, [{ status: 503, code: 'server' }]);
    expect(await uploadPhoto(t, a)).toMatchObject({ kind: 'retry', error: { code: 'server' } });
    media.putAnswers.set(a.hash, [{ status: 401, code: 'session_expired' }]);
    expect(await uploadPhoto(t, a)).toEqual({ kind: 'unauthorized' });
    media.offline = true;
    expect(await uploadPhoto(t, a)).toEqual({ kind: 'offline' });
  });

  it('sends again once with a fresh CSRF token when the server refused the token', async () => {
    const a = await photo('a');
    media.putAnswers.set(a.hash, [{ status: 403, code: 'csrf_failed' }]);
    const tokens: boolean[] = [];
    const t = createTransport({
      fetch: media.fetch,
      csrfToken: async (refresh) => {
        tokens.push(!!refresh);
        return refresh ? 'fresh' : 'old';
      },
      lang: () => 'en',
    });
    expect(await uploadPhoto(t, a)).toEqual({ kind: 'done', status: 201 });
    expect(tokens).toEqual([false, true]);
    expect(media.requests.filter((r) => r.method === 'PUT').map((r) => r.csrf)).toEqual(['old', 'fresh']);
  });
});

describe('the upload queue', () => {
  it('uploads queued photos oldest first and marks them uploaded', async () => {
    const [a, b, c] = [await photo('a'), await photo('b'), await photo('c')];
    await attach('f1', [b]);
    await attach('f2', [a, c]);
    const seen: unknown[] = [];
    const stop = uploadProgress.subscribe((v) => seen.push(v));
    const summary = await uploader().kick();
    stop();
    expect(summary).toEqual({ uploaded: 3, failed: 0, retried: 0, stopped: null });
    expect(media.puts()[0]).toBe(b.hash); // f1 was saved first
    expect(new Set(media.puts())).toEqual(new Set([a.hash, b.hash, c.hash]));
    for (const p of [a, b, c]) expect(await row(p.hash)).toMatchObject({ state: 'uploaded', uploaded: true, uploaded_at: clock });
    expect(seen).toContainEqual({ done: 0, total: 3, sentBytes: 0, totalBytes: 3 });
    expect(seen).toContainEqual({ done: 3, total: 3, sentBytes: 3, totalBytes: 3 });
    expect(uploadProgress.value).toBeNull();
    // Nothing left: a second pass sends nothing.
    await uploader().kick();
    expect(media.puts()).toHaveLength(3);
  });

  it('marks refused photos failed with the code and goes on with the others', async () => {
    const [a, b] = [await photo('a'), await photo('b')];
    await attach('f1', [a]);
    await attach('f2', [b]);
    media.putAnswers.set(a.hash, [{ status: 415, code: 'unsupported_media' }]);
    const summary = await uploader().kick();
    expect(summary).toMatchObject({ uploaded: 1, failed: 1 });
    expect(await row(a.hash)).toMatchObject({ state: 'failed', uploaded: false, error: { code: 'unsupported_media' } });
    expect(await row(b.hash)).toMatchObject({ state: 'uploaded' });
    // Never retried by itself …
    await uploader().kick(true);
    expect(media.puts().filter((h) => h === a.hash)).toHaveLength(1);
    // … only when asked.
    await requeuePhotos(db);
    await uploader().kick();
    expect(await row(a.hash)).toMatchObject({ state: 'uploaded' });
  });

  it('backs a photo off on server trouble (stored, so it survives a reload) and goes on', async () => {
    const [a, b] = [await photo('a'), await photo('b')];
    await attach('f1', [a]);
    await attach('f2', [b]);
    media.putAnswers.set(a.hash, [
      { status: 503, code: 'server' },
      { status: 503, code: 'server' },
    ]);
    await uploader().kick();
    expect(await row(a.hash)).toMatchObject({ state: 'queued', attempts: 1, next_at: clock + BACKOFF_BASE_MS, error: { code: 'server' } });
    expect(await row(b.hash)).toMatchObject({ state: 'uploaded' });
    // Not due yet: a pass (in a new uploader, as after a reload) leaves it alone.
    clock += BACKOFF_BASE_MS - 1;
    await uploader().kick();
    expect(media.puts().filter((h) => h === a.hash)).toHaveLength(1);
    clock += 1;
    await uploader().kick();
    expect(await row(a.hash)).toMatchObject({ state: 'queued', attempts: 2, next_at: clock + BACKOFF_BASE_MS * 2 });
    clock += BACKOFF_BASE_MS * 2;
    await uploader().kick();
    expect(await row(a.hash)).toMatchObject({ state: 'uploaded', uploaded: true, error: null });
    expect(media.puts().filter((h) => h === a.hash)).toHaveLength(3);
  });

  it('stops a pass when the network goes and retries the queue with growing delays', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const [a, b] = [await photo('a'), await photo('b')];
    await attach('f1', [a]);
    await attach('f2', [b]);
    media.offline = true;
    const u = uploader();
    expect(await u.kick()).toMatchObject({ stopped: 'offline', uploaded: 0 });
    expect(u.waiting).toBe(true);
    expect(await row(a.hash)).toMatchObject({ state: 'queued', attempts: 0 }); // no network is not the photo's fault
    const tried = () => media.requests.length;
    let passes = 0;
    const stop = uploadProgress.subscribe((v) => (passes += v ? 1 : 0));
    await vi.advanceTimersByTimeAsync(BACKOFF_BASE_MS - 1);
    expect(passes).toBe(0);
    await vi.advanceTimersByTimeAsync(1); // 1st retry after base, still offline
    await until(() => passes === 1 && u.waiting);
    media.offline = false;
    await vi.advanceTimersByTimeAsync(BACKOFF_BASE_MS * 2 - 1);
    expect(tried()).toBe(0);
    await vi.advanceTimersByTimeAsync(1); // 2nd retry after base·2
    await until(async () => (await row(b.hash)).state === 'uploaded');
    stop();
    expect(await row(a.hash)).toMatchObject({ state: 'uploaded' });
  });

  it('resumes after a reload: what one page did not send, the next one does, each photo once', async () => {
    const photos = [await photo('a'), await photo('b'), await photo('c')];
    await attach('f1', photos);
    media.offlineAfter = 3; // HEAD+PUT of the first, then the network goes
    expect(await uploader().kick()).toMatchObject({ uploaded: 1, stopped: 'offline' });
    // The page is closed; a new one starts with the same database.
    media.offlineAfter = Infinity;
    const next = uploader();
    next.start();
    await vi.waitFor(async () => expect(await db.photos.where('state').equals('queued').count()).toBe(0));
    await next.kick();
    expect(media.puts().sort()).toEqual(photos.map((p) => p.hash).sort());
    expect(media.stored.size).toBe(3);
  });

  it('does nothing while the browser is offline unless asked', async () => {
    await attach('f1', [await photo('a')]);
    let isOnline = false;
    const u = uploader({ isOnline: () => isOnline });
    expect(await u.kick()).toBeNull();
    expect(media.requests).toHaveLength(0);
    isOnline = true;
    expect(await u.kick()).toMatchObject({ uploaded: 1 });
  });

  it('runs under the Web Lock "fieldkeep-photos"', async () => {
    await attach('f1', [await photo('a')]);
    const names: string[] = [];
    const u = uploader({ locks: { request: async (name, cb) => (names.push(name), cb()) } });
    await u.kick();
    expect(names).toEqual(['fieldkeep-photos']);
  });
});

// ---- cleanup ------------------------------------------------------------------------------

describe('deleting local copies', () => {
  const roomy = async () => ({ usage: 10, quota: 1_000_000_000 });
  const tight = async () => ({ usage: 900, quota: 1_000 });

  it('never deletes a photo the server has not confirmed, however tight storage is', async () => {
    const [a, b] = [await photo('a'), await photo('b')];
    await attach('f1', [a, b]);
    await db.outbox.clear(); // even with no mutation holding them
    await db.photos.update(b.hash, { state: 'failed', error: { code: 'image_corrupt', message: '' } });
    expect(await cleanupPhotos(db, { estimate: tight, now: () => clock + KEEP_MS * 10 })).toEqual([]);
    expect(await db.photos.count()).toBe(2);
  });

  it('keeps an uploaded photo while a mutation still to send refers to it', async () => {
    const a = await photo('a');
    await attach('f1', [a]);
    await uploader().kick();
    expect(await cleanupPhotos(db, { estimate: tight })).toEqual([]);
    // Once the mutation is answered (acked), the record on the server holds the photo.
    await db.outbox.toCollection().modify({ state: 'acked' });
    expect(await cleanupPhotos(db, { estimate: tight })).toEqual([a.hash]);
    expect(await db.photos.count()).toBe(0);
  });

  it('keeps confirmed copies a week when there is room, deletes them at once when storage is tight', async () => {
    const [a, b] = [await photo('a'), await photo('b')];
    await attach('f1', [a]);
    await uploader().kick();
    clock += 60_000;
    await attach('f2', [b]);
    await uploader().kick();
    await db.outbox.clear();
    expect((await deletablePhotos(db)).map((p) => p.hash)).toEqual([a.hash, b.hash]); // oldest confirmation first
    expect(await cleanupPhotos(db, { estimate: roomy, now })).toEqual([]);
    expect(await cleanupPhotos(db, { estimate: roomy, now: () => clock - 60_000 + KEEP_MS })).toEqual([a.hash]);
    expect(await cleanupPhotos(db, { estimate: tight, now })).toEqual([b.hash]);
  });

  it('reads storage as tight from the quota share or the free bytes', () => {
    expect(isTight(undefined)).toBe(false);
    expect(isTight({ usage: 1, quota: 10_000_000_000 })).toBe(false);
    expect(isTight({ usage: 8_000_000_000, quota: 10_000_000_000 })).toBe(true);
    expect(isTight({ usage: 1_000, quota: 40 * 1024 * 1024 })).toBe(true);
  });
});

// ---- making a photo ready -----------------------------------------------------------------

/** A JPEG skeleton (SOI, JFIF APP0, a stand-in for the image data, EOI): enough for the EXIF code. */
function fakeJpeg(): Uint8Array<ArrayBuffer> {
  const app0 = [0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0];
  return new Uint8Array([0xff, 0xd8, ...app0, 0xff, 0xda, 0, 4, 1, 2, 3, 4, 5, 0xff, 0xd9]);
}

const CAM: CaptureMeta = {
  dateTimeOriginal: '2026:03:14 09:26:53',
  offsetTimeOriginal: '+08:00',
  gps: { latRef: 'N', lat: [[31, 1], [14, 1], [3012, 100]], lonRef: 'E', lon: [[121, 1], [28, 1], [4501, 100]] },
};

describe('EXIF carried over', () => {
  it('writes the capture time and GPS position into the JPEG and reads them back', () => {
    const out = withExif(fakeJpeg(), CAM);
    expect(out.length).toBe(fakeJpeg().length + 4 + 6 + exifBlock(CAM).length);
    expect([...out.subarray(0, 2)]).toEqual([0xff, 0xd8]);
    expect([...out.subarray(20, 22)]).toEqual([0xff, 0xe1]); // after SOI and the JFIF segment
    expect(readCaptureMeta(out)).toEqual(CAM);
    expect(readCaptureMeta(withExif(fakeJpeg(), { ...CAM, gps: null }))).toEqual({ ...CAM, gps: null });
  });

  it('reads big-endian EXIF too (as many cameras write it)', () => {
    const out = withExif(fakeJpeg(), CAM, false);
    expect(String.fromCharCode(out[30]!, out[31]!)).toBe('MM');
    expect(readCaptureMeta(out)).toEqual(CAM);
  });

  it('leaves a JPEG without metadata as it is, and reads garbage as nothing', () => {
    const j = fakeJpeg();
    expect(withExif(j, NO_META)).toBe(j);
    expect(readCaptureMeta(j)).toEqual(NO_META);
    expect(readCaptureMeta(new Uint8Array([1, 2, 3]))).toEqual(NO_META);
    const broken = withExif(fakeJpeg(), CAM);
    broken.fill(0xee, 30, 60); // a damaged TIFF block
    expect(readCaptureMeta(broken).gps).toBeNull();
  });

  it('reads the capture time as the server does (no offset: UTC+8)', () => {
    expect(takenAtMs(CAM)).toBe(Date.UTC(2026, 2, 14, 1, 26, 53));
    expect(takenAtMs({ ...CAM, offsetTimeOriginal: null })).toBe(Date.UTC(2026, 2, 14, 1, 26, 53));
    expect(takenAtMs({ ...CAM, offsetTimeOriginal: '-05:00' })).toBe(Date.UTC(2026, 2, 14, 14, 26, 53));
    expect(takenAtMs({ ...CAM, dateTimeOriginal: '1970:01:01 00:00:00' })).toBeNull();
    expect(takenAtMs(NO_META)).toBeNull();
  });
});

describe('making a photo ready', () => {
  it('scales the long edge to 2048 px at most', () => {
    expect(fit(3000, 2000)).toEqual([2048, 1365]);
    expect(fit(2000, 3000)).toEqual([1365, 2048]);
    expect(fit(1000, 800)).toEqual([1000, 800]);
    expect(fit(10000, 10)).toEqual([2048, 2]);
  });

  it('decodes upright, encodes JPEG at 0.82, carries the capture time and names the bytes by their SHA-256', async () => {
    const calls: unknown[] = [];
    const codec: Codec = {
      decode: async () => ({ width: 2000, height: 3000, source: {} as CanvasImageSource, close: () => calls.push('closed') }),
      encode: async (_s, w, h, q) => {
        calls.push([w, h, q]);
        return new Blob([fakeJpeg()], { type: 'image/jpeg' });
      },
    };
    const camera = new Blob([withExif(fakeJpeg(), CAM)], { type: 'image/jpeg' });
    const p = await preparePhoto(camera, codec, 42);
    expect(calls).toEqual([[1365, 2048, 0.82], 'closed']);
    expect([p.width, p.height, p.type]).toEqual([1365, 2048, 'image/jpeg']);
    const bytes = new Uint8Array(await p.bytes.arrayBuffer());
    expect(p.hash).toBe(await sha256Hex(bytes));
    expect(p.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(readCaptureMeta(bytes)).toEqual(CAM);
    expect(p.taken_at).toBe(takenAtMs(CAM));
    // Without EXIF the file's time stands in.
    expect((await preparePhoto(new Blob([fakeJpeg()]), codec, 42)).taken_at).toBe(42);
  });

  it('refuses what does not decode', async () => {
    const codec: Codec = {
      decode: async () => {
        throw new Error('not an image');
      },
      encode: async () => new Blob(),
    };
    await expect(preparePhoto(new Blob(['hello']), codec)).rejects.toMatchObject({ code: 'photo_unreadable' });
  });
});

describe('the service worker', () => {
  it('caches photos and thumbnails by hash, nothing else under /api/', () => {
    const h = 'ab'.repeat(32);
    expect(isMediaImage(`/api/media/${h}`)).toBe(true);
    for (const p of [`/api/media/${h}/info`, '/api/media/xyz', `/api/media/${h.toUpperCase()}`, '/api/sync/pull', '/api/auth/me']) {
      expect(isMediaImage(p), p).toBe(false);
    }
    expect(isNetworkOnly(`/api/media/${h}`)).toBe(true); // never answered with the app shell
  });
});

describe('failed photos', () => {
  it('are queued again only on request', async () => {
    const a = await photo('a');
    await attach('f1', [a]);
    await db.photos.update(a.hash, { state: 'failed', attempts: 3, error: { code: 'x', message: '' } });
    await requeuePhotos(db, [a.hash]);
    expect(await row(a.hash)).toMatchObject({ state: 'queued', attempts: 0, next_at: 0, error: null });
  });
});
