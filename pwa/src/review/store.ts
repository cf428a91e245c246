// The review feature's one write: approve or reject a submitted patrol, as an
// outbox mutation carrying the revision the supervisor saw.
import { mutate } from '../app/data';
import { uuid } from '../sync/hlc';
import type { Patrol } from '../patrols/patrol';
import { NAMES, reviewArgs, type Decision } from './review';

export async function review(decision: Decision, p: Patrol, comment: string): Promise<void> {
  const name = decision === 'approve' ? NAMES.approve : NAMES.reject;
  await mutate({ name, args: reviewArgs(uuid(), decision, p, comment), collection: 'patrols', record_id: p.id });
}
