import { describe, expect, it } from 'vitest';
import { isNetworkOnly } from '../../src/sw/routes';

describe('service worker navigation fallback', () => {
  it('leaves the API and the schema pages to the network', () => {
    for (const p of ['/api', '/api/', '/api/auth/me', '/schema', '/schema/swagger', '/schema/openapi.json']) {
      expect(isNetworkOnly(p), p).toBe(true);
    }
  });

  it('answers app paths with the shell', () => {
    for (const p of ['/', '/settings', '/apiary', '/schemas', '/keys/api']) {
      expect(isNetworkOnly(p), p).toBe(false);
    }
  });
});
