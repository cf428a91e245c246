// The findings feature's data and every write it makes: findings and their
// comments as this device shows them (server state with the outbox laid over
// it), and saving, the state steps, commenting and deleting, each one outbox mutation.
import { computed } from '@preact/signals';
import { localSnapshot, me, mutate } from '../app/data';
import type { NewPhoto } from '../db/local';
import { uuid } from '../sync/hlc';
import { commentsView, findingsView, NAMES, upsertArgs, type Finding, type FindingValues, type Intent } from './finding';
import type { Args } from '../sync/wire';

export const findings = computed<Finding[]>(() => {
  const s = localSnapshot.value;
  return s ? findingsView(s.findings, s.outbox, me.value) : [];
});

export const comments = computed(() => {
  const s = localSnapshot.value;
  return s ? commentsView(s.finding_comments, s.outbox, me.value) : [];
});

/**
 * Save a new finding (`before` null) or the changed fields of one. False when
 * nothing changed. `photos`: new photos the values hold, stored with the
 * mutation in one transaction and queued for upload.
 */
export async function saveFinding(
  id: string,
  values: FindingValues,
  before: FindingValues | null,
  dismiss: string[] = [],
  photos: NewPhoto[] = [],
): Promise<boolean> {
  const args = upsertArgs(id, values, before);
  if (!args) return false;
  await mutate({ name: NAMES.upsert, args, collection: 'findings', record_id: id }, { dismiss, photos });
  return true;
}

/**
 * One step of the finding's state (`findings.assign`, `.fix`, `.verify`,
 * `.close`, `.reopen`): the server decides; new fix photos are stored with
 * the mutation in one transaction and queued for upload.
 */
export async function findingIntent(id: string, intent: Intent, args: Args = {}, photos: NewPhoto[] = []): Promise<void> {
  await mutate({ name: `findings.${intent}`, args: { ...args, id }, collection: 'findings', record_id: id }, { photos });
}

export async function addComment(findingId: string, body: string): Promise<void> {
  const id = uuid();
  await mutate({
    name: NAMES.comment,
    args: { id, finding_id: findingId, body },
    collection: 'finding_comments',
    record_id: id,
  });
}

export async function deleteFinding(id: string): Promise<void> {
  await mutate({ name: NAMES.delete, args: { id }, collection: 'findings', record_id: id });
}

export function newFindingId(): string {
  return uuid();
}
