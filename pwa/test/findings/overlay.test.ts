import { describe, expect, it } from 'vitest';
import {
  awaitsAcceptance,
  BLANK,
  commentsView,
  due,
  findingsView,
  mine,
  toVerify,
  upsertArgs,
  valuesOf,
  type Finding,
} from '../../src/findings/finding';
import { allowedIntents, fixRefusal } from '../../src/findings/rules';
import { applySetOp, type OutboxLike } from '../../src/sync/overlay';

let seq = 0;
function row(name: string, args: Record<string, unknown>, extra: Partial<OutboxLike> = {}): OutboxLike {
  seq++;
  const collection = name === 'findings.comment' ? 'finding_comments' : 'findings';
  return {
    id: `m${seq}`,
    seq,
    name,
    args,
    state: 'pending',
    collection,
    record_id: String(args.id),
    created_at: Date.UTC(2025, 5, 15, 1, 0, 0),
    ...extra,
  };
}

const server = [
  {
    id: 'f1',
    revision: 3,
    fields: { site_id: 1, status: 'open', description: 'leak', location: 'B2', photos: ['aa', 'bb'], assignee_id: 9, created_by: 5, category: 'patrol' },
  },
  { id: 'f2', revision: 4, fields: { site_id: 1, status: 'fixed', description: 'door', created_by: 9 } },
];

describe('overlay of pending mutations on server state', () => {
  it('shows server state untouched when nothing is pending', () => {
    const v = findingsView(server, [], 7);
    expect(v.map((f) => [f.id, f.status, f.pending, f.revision])).toEqual([
      ['f1', 'open', 0, 3],
      ['f2', 'fixed', 0, 4],
    ]);
  });

  it('lays edits over in seq order, field by field, and counts what is pending', () => {
    const out = [
      row('findings.upsert', { id: 'f1', status: 'assigned', photos: { add: ['cc'], remove: ['aa'] } }),
      row('findings.upsert', { id: 'f1', status: 'fixed', fix_note: 'sealed' }),
    ];
    // given out of order: the overlay still applies seq order
    const f1 = findingsView(server, [out[1]!, out[0]!], 7).find((f) => f.id === 'f1')!;
    expect(f1.status).toBe('fixed');
    expect(f1.fix_note).toBe('sealed');
    expect(f1.description).toBe('leak'); // untouched field kept from the server
    expect(f1.photos).toEqual(['bb', 'cc']);
    expect(f1.pending).toBe(2);
    expect(f1.revision).toBe(3);
  });

  it('shows a new finding at once, with the author and time the server will set', () => {
    const v = findingsView(server, [row('findings.upsert', { id: 'n1', site_id: 1, description: 'new', status: 'open', photos: ['x'] })], 7);
    const n = v.find((f) => f.id === 'n1')!;
    expect(n).toMatchObject({ revision: null, pending: 1, created_by: 7, description: 'new', photos: ['x'] });
    expect(n.created_at).toBe('2025-06-15T01:00:00.000Z');
  });

  it('hides a deleted finding, and keeps acked edits visible without counting them', () => {
    const v = findingsView(
      server,
      [row('findings.delete', { id: 'f2' }), row('findings.upsert', { id: 'f1', location: 'B3' }, { state: 'acked' })],
      7,
    );
    expect(v.map((f) => f.id)).toEqual(['f1']);
    expect(v[0]).toMatchObject({ location: 'B3', pending: 0 });
  });

  it('ignores mutations of other collections and unknown names', () => {
    const v = findingsView(server, [row('findings.comment', { id: 'c1', finding_id: 'f1', body: 'hi' }), row('keys.checkout', { id: 'f1' }, { collection: 'findings' })], 7);
    expect(v.find((f) => f.id === 'f1')!.pending).toBe(0);
  });

  it('shows a pending comment with its author', () => {
    const c = commentsView(
      [{ id: 'c0', revision: 2, fields: { finding_id: 'f1', body: 'old', author_id: 5, created_at: '2025-06-14T00:00:00Z' } }],
      [row('findings.comment', { id: 'c1', finding_id: 'f1', body: 'on it' })],
      7,
    );
    expect(c.map((x) => [x.id, x.body, x.author_id, x.pending])).toEqual([
      ['c0', 'old', 5, 0],
      ['c1', 'on it', 7, 1],
    ]);
  });

  it('applies set operations as the wire defines them', () => {
    expect(applySetOp(['b', 'a'], ['c'])).toEqual(['a', 'b', 'c']);
    expect(applySetOp(['a', 'b'], { add: ['c'], remove: ['a'] })).toEqual(['b', 'c']);
    expect(applySetOp(undefined, { remove: ['a'] })).toEqual([]);
  });
});

describe('findings args and rules', () => {
  const f: Finding = {
    ...BLANK,
    id: 'f1',
    site_id: 1,
    photos: ['a'],
    assignee_id: null,
    status: 'open',
    fix_note: '',
    fix_photos: [],
    fixed_by: null,
    accepted_by: null,
    accepted_at: null,
    close_reason: '',
    reopen_reason: '',
    created_by: 5,
    created_at: null,
    revision: 1,
    pending: 0,
  };

  it('sends every field for a new finding, never its state, assignee or fix', () => {
    const args = upsertArgs('n1', { ...BLANK, site_id: 2, description: 'x', photos: ['b', 'a'] }, null)!;
    expect(Object.keys(args).sort()).toEqual(['id', 'site_id', 'unit_id', 'location', 'category', 'description', 'photos', 'due_date'].sort());
    expect(args.photos).toEqual(['a', 'b']);
    expect(args).not.toHaveProperty('created_by');
  });

  it('sends only the changed fields of an edit, sets as {add, remove}', () => {
    const before = valuesOf(f);
    expect(upsertArgs('f1', before, before)).toBeNull();
    expect(upsertArgs('f1', { ...before, location: '1栋', unit_id: 9 }, before)).toEqual({ id: 'f1', location: '1栋', unit_id: 9 });
    expect(upsertArgs('f1', { ...before, photos: ['b'] }, before)).toEqual({ id: 'f1', photos: { add: ['b'], remove: ['a'] } });
  });

  it('offers only the state steps the person may take now', () => {
    const sup = { id: 1, roles: ['supervisor'] };
    const env = { id: 2, roles: ['environment'] };
    const li = { id: 7, roles: ['patrol'] };
    expect(allowedIntents(sup, f)).toEqual(['assign', 'close']);
    expect(allowedIntents(env, f)).toEqual(['assign']);
    expect(allowedIntents(li, f)).toEqual([]);
    const assigned = { ...f, status: 'assigned', assignee_id: 7 };
    expect(allowedIntents(sup, assigned)).toEqual(['assign', 'close']);
    expect(allowedIntents(env, assigned)).toEqual([]);
    expect(allowedIntents(li, assigned)).toEqual(['accept', 'fix']); // 接单 once, then only the fix
    expect(allowedIntents(li, { ...assigned, accepted_at: '2025-06-15T01:02:00+00:00' })).toEqual(['fix']);
    expect(allowedIntents(sup, assigned)).not.toContain('accept');
    const fixed = { ...assigned, status: 'fixed', fixed_by: 2 };
    expect(allowedIntents(env, fixed)).toEqual([]); // the fixer does not verify
    expect(allowedIntents(sup, fixed)).toEqual(['verify', 'close', 'reopen']);
    const verified = { ...fixed, status: 'verified' };
    expect(allowedIntents(env, verified)).toEqual(['close']);
    expect(allowedIntents(sup, verified)).toEqual(['close', 'reopen']);
    expect(allowedIntents(li, verified)).toEqual([]);
    expect(allowedIntents(sup, { ...verified, status: 'closed' })).toEqual([]);
  });

  it('refuses a fix without a note, and without photos where the category needs them', () => {
    expect(fixRefusal(f, ' ', [])).toEqual({ field: 'fix_note', code: 'fix_note_required' });
    expect(fixRefusal(f, '已修好', [])).toBeNull();
    expect(fixRefusal({ ...f, category: 'cleaning' }, '已清理', [])).toEqual({ field: 'fix_photos', code: 'fix_photos_required' });
    expect(fixRefusal({ ...f, category: 'cleaning' }, '已清理', ['h'])).toBeNull();
  });

  it('shows a state step as the server will decide it until the answer comes', () => {
    const server = [{ id: 'f1', revision: 3, fields: { site_id: 1, status: 'open', fix_photos: [] } }];
    const assign = row('findings.assign', { id: 'f1', assignee_id: 7 });
    const fix = row('findings.fix', { id: 'f1', fix_note: '好了', fix_photos: ['p'] });
    const [shown] = findingsView(server, [assign, fix], 7);
    expect([shown!.status, shown!.assignee_id, shown!.fix_note, shown!.fix_photos, shown!.fixed_by]).toEqual(['fixed', 7, '好了', ['p'], 7]);
    const reopened = findingsView([{ ...server[0]!, fields: { ...server[0]!.fields, status: 'verified', assignee_id: 7 } }], [row('findings.reopen', { id: 'f1', reason: '又坏了' })], 1);
    expect([reopened[0]!.status, reopened[0]!.reopen_reason]).toEqual(['assigned', '又坏了']);
  });

  it('shows an acceptance at once, keeps the first, and a reassignment clears it', () => {
    const server = [{ id: 'f1', revision: 3, fields: { site_id: 1, status: 'assigned', assignee_id: 7 } }];
    const accept = row('findings.accept', { id: 'f1' });
    const [took] = findingsView(server, [accept, row('findings.accept', { id: 'f1' })], 7);
    expect([took!.accepted_by, took!.accepted_at]).toEqual([7, new Date(accept.created_at).toISOString()]);
    expect(awaitsAcceptance(findingsView(server, [], 7)[0]!)).toBe(true);
    expect(awaitsAcceptance(took!)).toBe(false);
    const same = findingsView(server, [accept, row('findings.assign', { id: 'f1', assignee_id: 7 })], 1)[0]!;
    expect(same.accepted_by).toBe(1);
    const other = findingsView(server, [accept, row('findings.assign', { id: 'f1', assignee_id: 8 })], 1)[0]!;
    expect([other.assignee_id, other.accepted_by, other.accepted_at, awaitsAcceptance(other)]).toEqual([8, null, null, true]);
  });

  it('picks my findings, what is due, and what waits for verification', () => {
    const list: Finding[] = [
      { ...f, id: 'a', assignee_id: 7, status: 'assigned', due_date: '2025-06-14' },
      { ...f, id: 'b', created_by: 7, status: 'open', due_date: '2025-06-16' },
      { ...f, id: 'c', created_by: 7, status: 'closed' },
      { ...f, id: 'd', status: 'fixed', due_date: '2025-06-01' },
    ];
    expect(mine(list, 7).map((x) => x.id)).toEqual(['a', 'b']);
    expect(due(list, '2025-06-15').map((x) => x.id)).toEqual(['a']);
    expect(toVerify(list).map((x) => x.id)).toEqual(['d']);
  });
});
