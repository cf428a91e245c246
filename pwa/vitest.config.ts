import { defineConfig } from 'vitest/config';

// Unit tests run in node; they need no browser. The PWA plugin is left out.
export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
  },
});
