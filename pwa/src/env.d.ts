/// <reference types="vite/client" />

/** package.json version, injected by vite (see vite.config.ts). */
declare const __APP_VERSION__: string;
