// The ZXing-wasm QR reader, for browsers without BarcodeDetector. Loaded on
// first use only (its JS and wasm are big); the wasm is a build asset that
// the service worker precaches, so scanning works offline. Never fetched
// from a CDN: the module is told where the build put it.
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';
import wasmUrl from 'zxing-wasm/reader/zxing_reader.wasm?url';

prepareZXingModule({
  overrides: {
    locateFile: (path: string, prefix: string) => (path.endsWith('.wasm') ? wasmUrl : prefix + path),
  },
});

/** The texts of the QR codes in the picture (usually none or one). */
export async function decodeQr(image: ImageData): Promise<string[]> {
  const found = await readBarcodes(image, { formats: ['QRCode'], tryHarder: true, maxNumberOfSymbols: 1 });
  return found.filter((r) => r.isValid && r.text !== '').map((r) => r.text);
}

export { wasmUrl };
