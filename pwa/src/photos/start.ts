// The upload queue and the local-copy cleanup wired to the browser. Loaded
// after sign-in (data.ts imports it), so it does not weigh on the first load.
import type { LocalDB } from '../db/local';
import { cleanupPhotos } from './cleanup';
import { PhotoUploader } from './queue';
import { createTransport } from './transport';

export { cleanupPhotos };

export interface StartDeps {
  csrfToken: (refresh?: boolean) => Promise<string>;
  lang: () => string;
  isOnline: () => boolean;
}

export function startUploads(db: LocalDB, deps: StartDeps): PhotoUploader {
  const uploader = new PhotoUploader({
    db,
    transport: createTransport({
      fetch: (input, init) => globalThis.fetch(input, init),
      csrfToken: deps.csrfToken,
      lang: deps.lang,
      xhr: true,
    }),
    isOnline: deps.isOnline,
    afterPass: () => cleanupPhotos(db).catch((err: unknown) => console.warn('fieldkeep: photo cleanup failed', err)),
  });
  uploader.start();
  return uploader;
}
