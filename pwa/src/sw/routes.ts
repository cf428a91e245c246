// Which same-origin paths the service worker must leave to the network.
// Kept apart from sw.ts so a unit test can check it.

/** Never answered by the app shell, never cached: the server's API and schema pages. */
export const NETWORK_ONLY: RegExp[] = [/^\/api(?:\/|$)/, /^\/schema(?:\/|$)/];

export function isNetworkOnly(pathname: string): boolean {
  return NETWORK_ONLY.some((re) => re.test(pathname));
}

/** The service worker's cache of photos from the server (CacheFirst: a hash names fixed bytes). */
export const MEDIA_CACHE = 'fieldkeep-media';
export const MEDIA_MAX_ENTRIES = 600;
export const MEDIA_MAX_AGE_SECONDS = 60 * 24 * 60 * 60;

/**
 * A photo or its thumbnail: `/api/media/<sha256>` (with `?size=thumb` or not).
 * Its bytes never change, so it is the one /api/ answer that is cached;
 * `…/info` and everything else under /api/ stay network-only.
 */
export function isMediaImage(pathname: string): boolean {
  return /^\/api\/media\/[0-9a-f]{64}$/.test(pathname);
}
