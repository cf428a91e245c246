// The evidence a photo carries in its EXIF: when it was taken and where.
// Redrawing a photo on a canvas drops all metadata, so before that we read
// the capture time and the GPS position from the camera's file and write
// them (and nothing else: no orientation, the pixels are upright by then)
// into the JPEG we upload. The server reads them into its `media` columns
// and strips them from what it serves.

export type Rational = [number, number];

export interface CaptureMeta {
  /** EXIF DateTimeOriginal, "YYYY:MM:DD HH:MM:SS" (camera-local time). */
  dateTimeOriginal: string | null;
  /** EXIF OffsetTimeOriginal, "+08:00". */
  offsetTimeOriginal: string | null;
  gps: { latRef: string; lat: Rational[]; lonRef: string; lon: Rational[] } | null;
}

export const NO_META: CaptureMeta = { dateTimeOriginal: null, offsetTimeOriginal: null, gps: null };

const EXIF_IFD = 0x8769;
const GPS_IFD = 0x8825;
const DATETIME_ORIGINAL = 0x9003;
const OFFSET_TIME_ORIGINAL = 0x9011;
const GPS_VERSION = 0;
const GPS_LAT_REF = 1;
const GPS_LAT = 2;
const GPS_LON_REF = 3;
const GPS_LON = 4;

const ASCII = 2;
const BYTE = 1;
const LONG = 4;
const RATIONAL = 5;
const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 9: 4, 10: 8 };

const EXIF_HEADER = [0x45, 0x78, 0x69, 0x66, 0, 0]; // "Exif\0\0"

/** The TIFF block of the first EXIF APP1 segment of a JPEG, or null. */
function exifTiff(jpeg: Uint8Array): Uint8Array | null {
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return null;
  let i = 2;
  while (i + 4 <= jpeg.length) {
    if (jpeg[i] !== 0xff) return null;
    const marker = jpeg[i + 1]!;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return null; // image data: no more metadata
    const len = (jpeg[i + 2]! << 8) | jpeg[i + 3]!;
    if (len < 2) return null;
    const start = i + 4;
    const end = i + 2 + len;
    if (marker === 0xe1 && end <= jpeg.length && EXIF_HEADER.every((b, k) => jpeg[start + k] === b)) {
      return jpeg.subarray(start + 6, end);
    }
    i = end;
  }
  return null;
}

interface Tag {
  type: number;
  count: number;
  /** Offset of the value in the TIFF block. */
  at: number;
}

function readIfd(dv: DataView, le: boolean, offset: number): Map<number, Tag> {
  const tags = new Map<number, Tag>();
  if (offset < 8 || offset + 2 > dv.byteLength) return tags;
  const n = dv.getUint16(offset, le);
  for (let k = 0; k < n && k < 200; k++) {
    const e = offset + 2 + k * 12;
    if (e + 12 > dv.byteLength) break;
    const type = dv.getUint16(e + 2, le);
    const count = dv.getUint32(e + 4, le);
    const size = (TYPE_SIZE[type] ?? 0) * count;
    if (size === 0) continue;
    const at = size <= 4 ? e + 8 : dv.getUint32(e + 8, le);
    if (at + size > dv.byteLength) continue;
    tags.set(dv.getUint16(e, le), { type, count, at });
  }
  return tags;
}

function ascii(dv: DataView, t: Tag | undefined): string | null {
  if (!t || t.type !== ASCII) return null;
  let s = '';
  for (let k = 0; k < t.count; k++) {
    const c = dv.getUint8(t.at + k);
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s.trim() === '' ? null : s;
}

function long(dv: DataView, le: boolean, t: Tag | undefined): number | null {
  if (!t || t.count < 1) return null;
  if (t.type === LONG) return dv.getUint32(t.at, le);
  if (t.type === 3) return dv.getUint16(t.at, le);
  return null;
}

function rationals(dv: DataView, le: boolean, t: Tag | undefined): Rational[] | null {
  if (!t || t.type !== RATIONAL || t.count !== 3) return null;
  const out: Rational[] = [];
  for (let k = 0; k < 3; k++) out.push([dv.getUint32(t.at + k * 8, le), dv.getUint32(t.at + k * 8 + 4, le)]);
  return out.every(([, d]) => d !== 0) ? out : null;
}

/** Capture time and GPS position from a JPEG's leading bytes (the EXIF sits near the start). */
export function readCaptureMeta(jpeg: Uint8Array): CaptureMeta {
  try {
    const tiff = exifTiff(jpeg);
    if (!tiff || tiff.length < 8) return NO_META;
    const dv = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
    const order = dv.getUint16(0, false);
    if (order !== 0x4949 && order !== 0x4d4d) return NO_META;
    const le = order === 0x4949;
    if (dv.getUint16(2, le) !== 42) return NO_META;
    const ifd0 = readIfd(dv, le, dv.getUint32(4, le));
    const exifAt = long(dv, le, ifd0.get(EXIF_IFD));
    const gpsAt = long(dv, le, ifd0.get(GPS_IFD));
    const exif = exifAt ? readIfd(dv, le, exifAt) : new Map<number, Tag>();
    const gpsTags = gpsAt ? readIfd(dv, le, gpsAt) : new Map<number, Tag>();
    const dto = ascii(dv, exif.get(DATETIME_ORIGINAL));
    const offset = ascii(dv, exif.get(OFFSET_TIME_ORIGINAL));
    const lat = rationals(dv, le, gpsTags.get(GPS_LAT));
    const lon = rationals(dv, le, gpsTags.get(GPS_LON));
    const latRef = ascii(dv, gpsTags.get(GPS_LAT_REF));
    const lonRef = ascii(dv, gpsTags.get(GPS_LON_REF));
    return {
      dateTimeOriginal: dto && /^\d{4}:\d\d:\d\d \d\d:\d\d:\d\d$/.test(dto) ? dto : null,
      offsetTimeOriginal: offset && /^[+-]\d\d:\d\d$/.test(offset) ? offset : null,
      gps: lat && lon && latRef && lonRef ? { latRef: latRef.slice(0, 1), lat, lonRef: lonRef.slice(0, 1), lon } : null,
    };
  } catch {
    return NO_META; // a malformed EXIF block counts as none
  }
}

/** The capture time as ms since the epoch; a camera time without an offset is read as UTC+8 (as the server does). */
export function takenAtMs(meta: CaptureMeta): number | null {
  const m = meta.dateTimeOriginal ? /^(\d{4}):(\d\d):(\d\d) (\d\d):(\d\d):(\d\d)$/.exec(meta.dateTimeOriginal) : null;
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (y < 1990 || y > 2100 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null;
  let offsetMin = 8 * 60;
  const o = meta.offsetTimeOriginal ? /^([+-])(\d\d):(\d\d)$/.exec(meta.offsetTimeOriginal) : null;
  if (o) {
    const min = Number(o[2]) * 60 + Number(o[3]);
    if (min <= 14 * 60) offsetMin = (o[1] === '-' ? -1 : 1) * min;
  }
  return Date.UTC(y, mo - 1, d, h, mi, s) - offsetMin * 60_000;
}

export function hasMeta(meta: CaptureMeta): boolean {
  return meta.dateTimeOriginal !== null || meta.gps !== null;
}

// ---- writing ------------------------------------------------------------------

interface Entry {
  tag: number;
  type: number;
  count: number;
  data: Uint8Array;
}

function asciiEntry(tag: number, s: string): Entry {
  const data = new Uint8Array(s.length + 1);
  for (let k = 0; k < s.length; k++) data[k] = s.charCodeAt(k) & 0x7f;
  return { tag, type: ASCII, count: data.length, data };
}

function rationalEntry(tag: number, values: Rational[], le: boolean): Entry {
  const data = new Uint8Array(values.length * 8);
  const dv = new DataView(data.buffer);
  values.forEach(([n, d], k) => {
    dv.setUint32(k * 8, n, le);
    dv.setUint32(k * 8 + 4, d, le);
  });
  return { tag, type: RATIONAL, count: values.length, data };
}

function longEntry(tag: number, v: number, le: boolean): Entry {
  const data = new Uint8Array(4);
  new DataView(data.buffer).setUint32(0, v, le);
  return { tag, type: LONG, count: 1, data };
}

/** One IFD starting at `start` in the TIFF block, its large values right after it. */
function ifdBytes(entries: Entry[], start: number, le: boolean): Uint8Array {
  const sorted = [...entries].sort((a, b) => a.tag - b.tag);
  const head = 2 + sorted.length * 12 + 4;
  const extra = sorted.reduce((n, e) => n + (e.data.length > 4 ? e.data.length + (e.data.length & 1) : 0), 0);
  const out = new Uint8Array(head + extra);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, sorted.length, le);
  let data = head;
  sorted.forEach((e, k) => {
    const at = 2 + k * 12;
    dv.setUint16(at, e.tag, le);
    dv.setUint16(at + 2, e.type, le);
    dv.setUint32(at + 4, e.count, le);
    if (e.data.length <= 4) {
      out.set(e.data, at + 8);
    } else {
      dv.setUint32(at + 8, start + data, le);
      out.set(e.data, data);
      data += e.data.length + (e.data.length & 1);
    }
  });
  dv.setUint32(2 + sorted.length * 12, 0, le); // no next IFD
  return out;
}

/** A TIFF block (little-endian unless asked) holding only the capture time and the GPS position. */
export function exifBlock(meta: CaptureMeta, le = true): Uint8Array {
  const exifEntries: Entry[] = [];
  if (meta.dateTimeOriginal) exifEntries.push(asciiEntry(DATETIME_ORIGINAL, meta.dateTimeOriginal));
  if (meta.dateTimeOriginal && meta.offsetTimeOriginal) exifEntries.push(asciiEntry(OFFSET_TIME_ORIGINAL, meta.offsetTimeOriginal));
  const gpsEntries: Entry[] = [];
  if (meta.gps) {
    gpsEntries.push({ tag: GPS_VERSION, type: BYTE, count: 4, data: new Uint8Array([2, 2, 0, 0]) });
    gpsEntries.push(asciiEntry(GPS_LAT_REF, meta.gps.latRef));
    gpsEntries.push(rationalEntry(GPS_LAT, meta.gps.lat, le));
    gpsEntries.push(asciiEntry(GPS_LON_REF, meta.gps.lonRef));
    gpsEntries.push(rationalEntry(GPS_LON, meta.gps.lon, le));
  }
  const ifd0Count = (exifEntries.length ? 1 : 0) + (gpsEntries.length ? 1 : 0);
  const ifd0Size = 2 + ifd0Count * 12 + 4;
  const exifStart = 8 + ifd0Size;
  const exif = exifEntries.length ? ifdBytes(exifEntries, exifStart, le) : new Uint8Array(0);
  const gpsStart = exifStart + exif.length;
  const gps = gpsEntries.length ? ifdBytes(gpsEntries, gpsStart, le) : new Uint8Array(0);
  const ifd0: Entry[] = [];
  if (exifEntries.length) ifd0.push(longEntry(EXIF_IFD, exifStart, le));
  if (gpsEntries.length) ifd0.push(longEntry(GPS_IFD, gpsStart, le));
  const out = new Uint8Array(gpsStart + gps.length);
  out.set(le ? [0x49, 0x49, 42, 0, 8, 0, 0, 0] : [0x4d, 0x4d, 0, 42, 0, 0, 0, 8]);
  out.set(ifdBytes(ifd0, 8, le), 8);
  out.set(exif, exifStart);
  out.set(gps, gpsStart);
  return out;
}

/** The JPEG with an EXIF segment holding `meta` (after SOI and a JFIF APP0, where readers look). */
export function withExif(jpeg: Uint8Array<ArrayBuffer>, meta: CaptureMeta, le = true): Uint8Array<ArrayBuffer> {
  if (!hasMeta(meta) || jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return jpeg;
  const tiff = exifBlock(meta, le);
  const segLen = 2 + EXIF_HEADER.length + tiff.length;
  if (segLen > 0xffff) return jpeg;
  let at = 2;
  if (jpeg[2] === 0xff && jpeg[3] === 0xe0 && jpeg.length >= 6) at = 4 + ((jpeg[4]! << 8) | jpeg[5]!);
  if (at > jpeg.length) at = 2;
  const out = new Uint8Array(jpeg.length + 2 + segLen);
  out.set(jpeg.subarray(0, at), 0);
  out.set([0xff, 0xe1, segLen >> 8, segLen & 0xff, ...EXIF_HEADER], at);
  out.set(tiff, at + 10);
  out.set(jpeg.subarray(at), at + 2 + segLen);
  return out;
}
