// A QR decoder for camera frames: the browser's BarcodeDetector where it
// reads QR codes, else the ZXing-wasm polyfill (loaded on first use).

export type Decoder = (frame: HTMLCanvasElement, ctx: CanvasRenderingContext2D) => Promise<string[]>;

interface DetectorLike {
  detect(source: CanvasImageSource): Promise<{ rawValue: string }[]>;
}
interface DetectorClass {
  new (opts: { formats: string[] }): DetectorLike;
  getSupportedFormats(): Promise<string[]>;
}

export type DecoderKind = 'native' | 'zxing';

async function native(): Promise<Decoder | null> {
  const BD = (globalThis as { BarcodeDetector?: DetectorClass }).BarcodeDetector;
  if (!BD) return null;
  try {
    if (!(await BD.getSupportedFormats()).includes('qr_code')) return null;
    const d = new BD({ formats: ['qr_code'] });
    return async (frame) => (await d.detect(frame)).map((b) => b.rawValue).filter((s) => s !== '');
  } catch {
    return null;
  }
}

let zxing: Promise<Decoder> | null = null;

function polyfill(): Promise<Decoder> {
  zxing ??= import('./zxing').then((m) => async (frame, ctx) => m.decodeQr(ctx.getImageData(0, 0, frame.width, frame.height)));
  return zxing;
}

/** The best decoder this browser has. */
export async function createDecoder(): Promise<{ kind: DecoderKind; decode: Decoder }> {
  const n = await native();
  if (n) return { kind: 'native', decode: n };
  return { kind: 'zxing', decode: await polyfill() };
}
