// The photo worker (a module worker built by Vite): decoding, scaling,
// encoding and hashing off the main thread, so the form stays responsive
// while a 12 MP photo is processed. Answers { id, ok, photo } or { id, ok: false, code }.
import { drawScaled, preparePhoto, PhotoError, type Codec } from './process';

interface Request {
  id: number;
  file: Blob;
  fileTime: number | null;
}

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<Request>) => void) | null;
  postMessage(message: unknown): void;
};

const codec: Codec = {
  async decode(blob) {
    const bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image' });
    return { width: bitmap.width, height: bitmap.height, source: bitmap, close: () => bitmap.close() };
  },
  async encode(source, width, height, quality) {
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new PhotoError('no_canvas');
    drawScaled(ctx, source, width, height);
    return canvas.convertToBlob({ type: 'image/jpeg', quality });
  },
};

scope.onmessage = (e) => {
  const { id, file, fileTime } = e.data;
  if (typeof OffscreenCanvas === 'undefined' || typeof createImageBitmap === 'undefined') {
    scope.postMessage({ id, ok: false, code: 'no_canvas' });
    return;
  }
  preparePhoto(file, codec, fileTime).then(
    (photo) => scope.postMessage({ id, ok: true, photo }),
    (err: unknown) => scope.postMessage({ id, ok: false, code: err instanceof PhotoError ? err.code : 'photo_unreadable' }),
  );
};
