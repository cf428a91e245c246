// Writes the app icons (solid background with a simple key glyph) as PNG
// files into public/icons/. Node built-ins only (zlib); run `npm run icons`
// after changing colours or the glyph, and commit the PNG files.
import { deflateSync } from 'node:zlib';
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'icons');
const BG = [0x0f, 0x4c, 0x81]; // theme colour #0f4c81
const FG = [0xff, 0xff, 0xff];

const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function png(size, pixel) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  const raw = Buffer.alloc(size * (size * 3 + 1));
  let o = 0;
  for (let y = 0; y < size; y++) {
    raw[o++] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const [r, g, b] = pixel(x, y);
      raw[o++] = r;
      raw[o++] = g;
      raw[o++] = b;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// The key glyph in a unit box (0..1), drawn horizontally then turned 45°.
function inKey(u, v) {
  const a = -Math.PI / 4;
  const cx = u - 0.5;
  const cy = v - 0.5;
  const x = cx * Math.cos(a) - cy * Math.sin(a) + 0.5;
  const y = cx * Math.sin(a) + cy * Math.cos(a) + 0.5;
  const d = Math.hypot(x - 0.27, y - 0.5);
  if (d <= 0.2 && d >= 0.085) return true; // bow (ring)
  if (x >= 0.45 && x <= 0.9 && y >= 0.455 && y <= 0.545) return true; // shaft
  if (x >= 0.7 && x <= 0.76 && y >= 0.545 && y <= 0.66) return true; // tooth
  if (x >= 0.81 && x <= 0.9 && y >= 0.545 && y <= 0.7) return true; // tooth
  return false;
}

// glyph: fraction of the icon the glyph box takes (centred).
function icon(size, glyph) {
  const SS = 4;
  const off = (1 - glyph) / 2;
  return png(size, (x, y) => {
    let hit = 0;
    for (let i = 0; i < SS; i++) {
      for (let j = 0; j < SS; j++) {
        const u = ((x + (i + 0.5) / SS) / size - off) / glyph;
        const v = ((y + (j + 0.5) / SS) / size - off) / glyph;
        if (u >= 0 && u <= 1 && v >= 0 && v <= 1 && inKey(u, v)) hit++;
      }
    }
    const f = hit / (SS * SS);
    return BG.map((b, k) => Math.round(b + (FG[k] - b) * f));
  });
}

mkdirSync(OUT, { recursive: true });
const files = {
  'icon-192.png': icon(192, 0.86),
  'icon-512.png': icon(512, 0.86),
  // maskable: the glyph stays inside the central safe circle (radius 40%)
  'icon-maskable-512.png': icon(512, 0.62),
  'apple-touch-icon-180.png': icon(180, 0.8),
  'favicon-32.png': icon(32, 0.95),
};
for (const [name, data] of Object.entries(files)) {
  writeFileSync(join(OUT, name), data);
  console.log(`${name}: ${data.length} bytes`);
}
