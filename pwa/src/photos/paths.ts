/** Where the server keeps a photo: `/api/media/<sha256>`, `?size=thumb` for its 320-px thumbnail. */
export function mediaPath(hash: string, size?: 'thumb'): string {
  return `/api/media/${hash}${size ? `?size=${size}` : ''}`;
}
