// What the findings screens write: each is one outbox mutation (see data.mutate).
import type { NewPhoto } from '../db/local';
import { NAMES, upsertArgs, type FindingValues } from './finding';
import { uuid } from '../sync/hlc';
import { mutate } from '../app/data';

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
