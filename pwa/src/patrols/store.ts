// The patrols feature's data and every write it makes: patrols and checklist
// templates as this device shows them, the server's due list (for sites whose
// units are not cached), and saving, submitting and checklist edits, each one
// outbox mutation.
import { computed } from '@preact/signals';
import { CACHE } from '../app/cache';
import { localSnapshot, me, mutate } from '../app/data';
import { cached, units } from '../app/site';
import { user } from '../app/state';
import type { NewPhoto } from '../db/local';
import { uuid } from '../sync/hlc';
import type { Args } from '../sync/wire';
import { NAMES, parseServerDue, patrolsView, saveArgs, startArgs, templatesView, type DueUnit, type Patrol, type PatrolValues } from './patrol';

export const patrols = computed<Patrol[]>(() => {
  const s = localSnapshot.value;
  return s ? patrolsView(s.patrols, s.outbox, me.value) : [];
});

export const templates = computed(() => {
  const s = localSnapshot.value;
  return s ? templatesView(s.patrol_templates, s.outbox) : [];
});

/** The server's due list, for the sites whose unit list is not cached (computed lists win). */
export const serverDue = computed(() => {
  const out: DueUnit[] = [];
  for (const s of user.value?.sites ?? []) {
    if (units.value.fetched.has(s.id)) continue;
    const c = cached<unknown>(`${CACHE.due}${s.id}`);
    if (c) out.push(...parseServerDue(c.data, Number(s.id)));
  }
  return out;
});

// ---- writes --------------------------------------------------------------------

export async function startPatrol(siteId: number, unitId: number, templateId: string, keyId: string | null): Promise<string> {
  const id = uuid();
  await mutate({ name: NAMES.save, args: startArgs(id, siteId, unitId, templateId, new Date().toISOString(), keyId), collection: 'patrols', record_id: id });
  return id;
}

/** Save the changed fields; false when nothing changed. New photos go in the same transaction. */
export async function savePatrol(id: string, values: PatrolValues, before: PatrolValues, photos: NewPhoto[] = []): Promise<boolean> {
  const args = saveArgs(id, values, before);
  if (!args) return false;
  await mutate({ name: NAMES.save, args, collection: 'patrols', record_id: id }, { photos });
  return true;
}

export async function submitPatrol(id: string): Promise<void> {
  await mutate({ name: NAMES.submit, args: { id }, collection: 'patrols', record_id: id });
}

/** A site's checklist: a new version of its template (the admin desk edits it). */
export async function saveChecklist(args: Args & { id: string }): Promise<void> {
  await mutate({ name: NAMES.templateUpsert, args, collection: 'patrol_templates', record_id: args.id });
}
