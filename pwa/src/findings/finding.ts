// Findings (问题/整改单): the fields, the intents, the role rules the PWA
// predicts (the server decides), and how their mutations show locally.
import { applySetOp, deleteApplier, overlay, upsertApplier, type Applier, type OutboxLike, type ServerLike, type ViewRecord } from '../sync/overlay';
import type { Args } from '../sync/wire';
import { date, iso, num, str, strs } from '../app/fields';

export const CATEGORIES = ['patrol', 'cleaning', 'greening', 'pest', 'parking', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];

export const STATUSES = ['open', 'assigned', 'fixed', 'verified', 'closed'] as const;
export type FindingStatus = (typeof STATUSES)[number];

export const SET_FIELDS: ReadonlySet<string> = new Set(['photos', 'fix_photos']);
/** Set by the server only: a device never sends them. */
export const SERVER_OWNED: ReadonlySet<string> = new Set(['created_by', 'created_at']);

/**
 * The fields the form writes, in form order. Status, assignee and the fix are
 * not among them: they move only by the state intents (`findings.assign`, …).
 */
export const EDITABLE = ['site_id', 'unit_id', 'location', 'category', 'description', 'photos', 'due_date'] as const;
export type EditableField = (typeof EDITABLE)[number];

export interface Finding {
  id: string;
  site_id: number | null;
  unit_id: number | null;
  location: string;
  category: string;
  description: string;
  photos: string[];
  assignee_id: number | null;
  due_date: string | null;
  status: string;
  fix_note: string;
  fix_photos: string[];
  created_by: number | null;
  created_at: string | null;
  fixed_by: number | null;
  /** 接单: when and by whom the assignee accepted it (a reassignment clears them). */
  accepted_by: number | null;
  accepted_at: string | null;
  close_reason: string;
  reopen_reason: string;
  revision: number | null;
  /** Unanswered local mutations on this finding. */
  pending: number;
}

export interface Comment {
  id: string;
  finding_id: string;
  body: string;
  author_id: number | null;
  created_at: string | null;
  pending: number;
}

export const NAMES = {
  upsert: 'findings.upsert',
  comment: 'findings.comment',
  delete: 'findings.delete',
} as const;

/** The state intents (`findings.<intent>`), each a step the server decides. */
export type Intent = 'assign' | 'accept' | 'fix' | 'verify' | 'close' | 'reopen';

export function toFinding(r: ViewRecord): Finding {
  const f = r.fields;
  return {
    id: r.id,
    site_id: num(f.site_id),
    unit_id: num(f.unit_id),
    location: str(f.location),
    category: str(f.category) || 'other',
    description: str(f.description),
    photos: strs(f.photos),
    assignee_id: num(f.assignee_id),
    due_date: date(f.due_date),
    status: str(f.status) || 'open',
    fix_note: str(f.fix_note),
    fix_photos: strs(f.fix_photos),
    created_by: num(f.created_by),
    created_at: typeof f.created_at === 'string' ? f.created_at : null,
    fixed_by: num(f.fixed_by),
    accepted_by: num(f.accepted_by),
    accepted_at: typeof f.accepted_at === 'string' ? f.accepted_at : null,
    close_reason: str(f.close_reason),
    reopen_reason: str(f.reopen_reason),
    revision: r.revision,
    pending: r.pending,
  };
}

export function toComment(r: ViewRecord): Comment {
  const f = r.fields;
  return {
    id: r.id,
    finding_id: str(f.finding_id),
    body: str(f.body),
    author_id: num(f.author_id),
    created_at: typeof f.created_at === 'string' ? f.created_at : null,
    pending: r.pending,
  };
}

type Fields = Record<string, unknown>;
const step =
  (status: string, more: (c: Fields, a: Args) => Fields = () => ({})): Applier =>
  (c, a) =>
    c && { ...c, status, ...more(c, a) };

/** How this device shows its own findings mutations before the server answers. */
export function findingAppliers(me: number | null): Record<string, Applier> {
  const upsert = upsertApplier(SET_FIELDS);
  return {
    [NAMES.upsert]: (current, args, row) => {
      const next = upsert(current, args, row);
      if (!current && next) {
        // A new finding: what the server will set, shown as it will be.
        next.created_by ??= me;
        next.created_at ??= iso(row.created_at);
      }
      return next;
    },
    [NAMES.delete]: deleteApplier,
    // The state steps, shown as the server will decide them (it may still refuse).
    'findings.assign': step('assigned', (c, a) =>
      a.assignee_id === c.assignee_id ? { assignee_id: a.assignee_id } : { assignee_id: a.assignee_id, accepted_by: null, accepted_at: null },
    ),
    'findings.accept': (c, _a, row) => c && (c.accepted_at ? c : { ...c, accepted_by: me, accepted_at: iso(row.created_at) }),
    'findings.fix': step('fixed', (c, a) => ({ fix_note: a.fix_note, fixed_by: me, fix_photos: applySetOp(c.fix_photos, a.fix_photos) })),
    'findings.verify': step('verified'),
    'findings.close': step('closed', (_, a) => ({ close_reason: a.reason })),
    'findings.reopen': (c, a) => c && { ...c, status: c.assignee_id == null ? 'open' : 'assigned', reopen_reason: a.reason },
  };
}

export function commentAppliers(me: number | null): Record<string, Applier> {
  return {
    [NAMES.comment]: (current, args, row) =>
      current ?? { finding_id: args.finding_id, body: args.body, author_id: me, created_at: iso(row.created_at) },
  };
}

export function findingsView(server: readonly ServerLike[], outbox: readonly OutboxLike[], me: number | null): Finding[] {
  return [...overlay('findings', server, outbox, findingAppliers(me)).values()].map(toFinding);
}

export function commentsView(server: readonly ServerLike[], outbox: readonly OutboxLike[], me: number | null): Comment[] {
  return [...overlay('finding_comments', server, outbox, commentAppliers(me)).values()].map(toComment);
}

// ---- role rules (predicted; the server decides) -----------------------------

export interface Actor {
  id: number | null;
  roles: readonly string[];
}

export function isLocked(f: Pick<Finding, 'status'>): boolean {
  return f.status === 'closed';
}

export function mayDelete(actor: Actor): boolean {
  return actor.roles.includes('supervisor');
}

// ---- building the mutation args ---------------------------------------------

export type FindingValues = Pick<Finding, EditableField>;

export const BLANK: FindingValues = {
  site_id: null,
  unit_id: null,
  location: '',
  category: 'other',
  description: '',
  photos: [],
  due_date: null,
};

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);
}

/** A set field's change as the wire wants it: {add, remove}. */
function setDiff(before: readonly string[], after: readonly string[]): { add: string[]; remove: string[] } {
  return {
    add: after.filter((x) => !before.includes(x)).sort(),
    remove: before.filter((x) => !after.includes(x)).sort(),
  };
}

/**
 * Upsert args: a new finding sends every field; an edit sends only the
 * fields that changed (the server merges per field, so an unchanged field
 * must not be sent or it could overwrite someone else's newer edit).
 * Returns null when nothing changed.
 */
export function upsertArgs(id: string, values: FindingValues, before: FindingValues | null): Args | null {
  const args: Args = { id };
  for (const k of EDITABLE) {
    const v = values[k];
    if (SET_FIELDS.has(k)) {
      const after = v as string[];
      if (before === null) args[k] = [...after].sort();
      else if (!sameSet(before[k] as string[], after)) args[k] = setDiff(before[k] as string[], after);
    } else if (before === null || before[k] !== v) {
      args[k] = v;
    }
  }
  return Object.keys(args).length > 1 ? args : null;
}

export function valuesOf(f: Finding): FindingValues {
  const v = {} as Record<EditableField, unknown>;
  for (const k of EDITABLE) v[k] = f[k];
  return v as FindingValues;
}

// ---- lists for home and the list screen ---------------------------------------

const OPEN_STATUSES: ReadonlySet<string> = new Set(['open', 'assigned']);

/** Assigned to me or created by me, and not closed. */
export function mine(list: readonly Finding[], me: number | null): Finding[] {
  if (me === null) return [];
  return list.filter((f) => f.status !== 'closed' && (f.assignee_id === me || f.created_by === me));
}

/** Not yet fixed and due today or earlier (`today` is YYYY-MM-DD in the site's time zone). */
export function due(list: readonly Finding[], today: string): Finding[] {
  return list.filter((f) => OPEN_STATUSES.has(f.status) && f.due_date !== null && f.due_date <= today);
}

/** Assigned and not yet accepted (接单) by its assignee. */
export function awaitsAcceptance(f: Pick<Finding, 'status' | 'assignee_id' | 'accepted_at'>): boolean {
  return f.status === 'assigned' && f.assignee_id !== null && f.accepted_at === null;
}

export function toVerify(list: readonly Finding[]): Finding[] {
  return list.filter((f) => f.status === 'fixed');
}

/** Newest first, with due dates breaking nothing: created_at descending, then id. */
export function sortFindings(list: readonly Finding[]): Finding[] {
  return [...list].sort((a, b) => (b.created_at ?? '').localeCompare(a.created_at ?? '') || a.id.localeCompare(b.id));
}
