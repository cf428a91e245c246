// Making picked photos ready (see process.ts), from the page. Loaded on first
// use (the form imports it when a photo is picked), so neither this nor the
// worker weighs on the first load. Work goes to one module worker; where
// that cannot draw (no OffscreenCanvas) or fails, the main thread does it.
import { drawScaled, preparePhoto, PhotoError, type Codec, type Prepared } from './process';

type Answer = { id: number; ok: true; photo: Prepared } | { id: number; ok: false; code: string };

let worker: Worker | null | undefined;
let nextId = 1;
const waiting = new Map<number, { resolve: (p: Prepared) => void; reject: (e: PhotoError) => void }>();

function failAll(code: string): void {
  for (const w of waiting.values()) w.reject(new PhotoError(code));
  waiting.clear();
}

function getWorker(): Worker | null {
  if (worker !== undefined) return worker;
  if (typeof Worker === 'undefined' || typeof OffscreenCanvas === 'undefined') return (worker = null);
  try {
    const w = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    w.onmessage = (e: MessageEvent<Answer>) => {
      const a = e.data;
      const p = waiting.get(a.id);
      if (!p) return;
      waiting.delete(a.id);
      if (a.ok) p.resolve(a.photo);
      else p.reject(new PhotoError(a.code));
    };
    w.onerror = (e) => {
      e.preventDefault();
      // The worker script did not load or crashed: the main thread takes over.
      worker = null;
      w.terminate();
      failAll('worker_failed');
    };
    worker = w;
  } catch {
    worker = null;
  }
  return worker;
}

function inWorker(w: Worker, file: Blob, fileTime: number | null): Promise<Prepared> {
  const id = nextId++;
  return new Promise<Prepared>((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    w.postMessage({ id, file, fileTime });
  });
}

function loadImage(blob: Blob): Promise<HTMLImageElement> {
  const url = URL.createObjectURL(blob);
  const img = new Image();
  img.src = url;
  // An <img> applies the EXIF orientation itself (CSS image-orientation: from-image).
  return img.decode().then(
    () => {
      URL.revokeObjectURL(url);
      return img;
    },
    (err: unknown) => {
      URL.revokeObjectURL(url);
      throw err;
    },
  );
}

const mainThread: Codec = {
  async decode(blob) {
    if (typeof createImageBitmap === 'function') {
      try {
        const bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image' });
        return { width: bitmap.width, height: bitmap.height, source: bitmap, close: () => bitmap.close() };
      } catch {
        // an older engine without the options (or the format): an <img> below
      }
    }
    const img = await loadImage(blob);
    return { width: img.naturalWidth, height: img.naturalHeight, source: img };
  },
  async encode(source, width, height, quality) {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new PhotoError('photo_unreadable');
    drawScaled(ctx, source, width, height);
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
    canvas.width = canvas.height = 0; // give the memory back at once (iOS counts canvas memory)
    if (!blob) throw new PhotoError('photo_unreadable');
    return blob;
  },
};

/** Make one picked file ready to store; throws PhotoError('photo_unreadable') for a non-image. */
export async function preparePicked(file: Blob): Promise<Prepared> {
  const fileTime = file instanceof File ? file.lastModified : null;
  const w = getWorker();
  if (w) {
    try {
      return await inWorker(w, file, fileTime);
    } catch {
      // no canvas in the worker, the worker died, or it could not decode: the main thread tries
    }
  }
  return preparePhoto(file, mainThread, fileTime);
}
