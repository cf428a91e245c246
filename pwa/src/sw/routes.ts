// Which same-origin paths the service worker must leave to the network.
// Kept apart from sw.ts so a unit test can check it.

/** Never answered by the app shell, never cached: the server's API and schema pages. */
export const NETWORK_ONLY: RegExp[] = [/^\/api(?:\/|$)/, /^\/schema(?:\/|$)/];

export function isNetworkOnly(pathname: string): boolean {
  return NETWORK_ONLY.some((re) => re.test(pathname));
}
