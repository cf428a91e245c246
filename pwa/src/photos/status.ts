// The upload queue's signals for the views (kept apart so a view does not pull in the queue).
import { signal } from '@preact/signals';

export interface UploadProgress {
  /** Photos finished in this pass (uploaded or refused) of all it set out to send. */
  done: number;
  total: number;
  sentBytes: number;
  totalBytes: number;
}

/** Non-null while the queue is sending photos in this tab. */
export const uploadProgress = signal<UploadProgress | null>(null);
