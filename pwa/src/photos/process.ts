// One photo made ready to keep and upload: decoded with its EXIF orientation
// applied, scaled so the long edge is at most 2048 px, encoded as JPEG
// (quality 0.82), the capture time and GPS carried over, and named by the
// SHA-256 of the final bytes. Runs in a worker (worker.ts) or, where a worker
// cannot draw (no OffscreenCanvas), on the main thread (prepare.ts).
import { NO_META, readCaptureMeta, takenAtMs, withExif } from './exif';

export const MAX_EDGE = 2048;
export const QUALITY = 0.82;
export const JPEG = 'image/jpeg';
/** How much of the camera's file to read for its EXIF (it sits in the first 64 KB segment). */
const META_BYTES = 256 * 1024;

export interface Prepared {
  hash: string;
  bytes: Blob;
  type: string;
  width: number;
  height: number;
  taken_at: number | null;
}

export interface Decoded {
  width: number;
  height: number;
  source: CanvasImageSource;
  close?: () => void;
}

/** What differs between a worker and the main thread: how to decode and how to draw and encode. */
export interface Codec {
  /** Decode with the EXIF orientation applied (upright pixels). */
  decode(blob: Blob): Promise<Decoded>;
  /** Draw `source` at width × height and encode it as JPEG. */
  encode(source: CanvasImageSource, width: number, height: number, quality: number): Promise<Blob>;
}

/** Width and height with the long edge at most `max`, keeping the aspect ratio. */
export function fit(width: number, height: number, max: number = MAX_EDGE): [number, number] {
  const long = Math.max(width, height);
  if (long <= max) return [width, height];
  const r = max / long;
  return [Math.max(1, Math.round(width * r)), Math.max(1, Math.round(height * r))];
}

export async function sha256Hex(data: BufferSource): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
  let out = '';
  for (const b of digest) out += b.toString(16).padStart(2, '0');
  return out;
}

/** A failure with a code the UI translates (`error.<code>`). */
export class PhotoError extends Error {
  readonly code: string;
  constructor(code: string) {
    super(code);
    this.name = 'PhotoError';
    this.code = code;
  }
}

export async function preparePhoto(file: Blob, codec: Codec, fileTime: number | null = null): Promise<Prepared> {
  let meta = NO_META;
  try {
    meta = readCaptureMeta(new Uint8Array(await file.slice(0, META_BYTES).arrayBuffer()));
  } catch {
    // unreadable leading bytes: the decode below says what is wrong
  }
  let img: Decoded;
  try {
    img = await codec.decode(file);
  } catch {
    throw new PhotoError('photo_unreadable');
  }
  let encoded: Blob;
  let width: number;
  let height: number;
  try {
    if (!(img.width > 0 && img.height > 0)) throw new PhotoError('photo_unreadable');
    [width, height] = fit(img.width, img.height);
    encoded = await codec.encode(img.source, width, height, QUALITY);
  } finally {
    img.close?.();
  }
  if (encoded.type !== JPEG) throw new PhotoError('photo_unreadable');
  const bytes = withExif(new Uint8Array(await encoded.arrayBuffer()), meta);
  const hash = await sha256Hex(bytes);
  return {
    hash,
    bytes: new Blob([bytes], { type: JPEG }),
    type: JPEG,
    width,
    height,
    taken_at: takenAtMs(meta) ?? (fileTime !== null && Number.isFinite(fileTime) && fileTime > 0 ? fileTime : null),
  };
}

/** A canvas ready to draw a downscaled photo: white under transparency, smoothing at its best. */
export function drawScaled(ctx: OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D, source: CanvasImageSource, width: number, height: number): void {
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(source, 0, 0, width, height);
}
