// The sync signals the views show. Kept apart from runner.ts so a view can
// read them without pulling in the sync code.
import { computed, signal } from '@preact/signals';
import type { SyncFailure } from './client';

/** Whether the browser says it has a network (navigator.onLine: false is reliable, true is a hint). */
export const online = signal(typeof navigator === 'undefined' ? true : navigator.onLine !== false);
export const offline = computed(() => !online.value);
/** True while a run is in progress in this tab. */
export const syncing = signal(false);
/** Mutations answered of all to send in the current run; null when not pushing. */
export const progress = signal<{ sent: number; total: number } | null>(null);
/** Why the last run stopped early; null after a clean run. */
export const lastError = signal<SyncFailure | null>(null);
