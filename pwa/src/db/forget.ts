// Deleting a user's local database (sign-out on a shared phone). Loaded with
// the sign-out code, not with the first screen.
import Dexie from 'dexie';
import { closeLocal, localDbName } from './local';

/** Delete the user's store (server state, outbox, journal, photos, device id). */
export async function forgetLocal(userId: string): Promise<void> {
  closeLocal();
  await Dexie.delete(localDbName(userId));
}
