import { describe, expect, it } from 'vitest';
import '../../src/conflicts/texts';
import { translate } from '../../src/i18n';
import { conflictsView, isUnread, noticeOf, sideOf, timesOf, type Words } from '../../src/conflicts/conflict';
import type { OutboxLike } from '../../src/sync/overlay';

const ZHANG = 3;
const LINA = 4;
const BOSS = 9;

const record = {
  id: 'c1',
  revision: 5,
  fields: {
    collection: 'findings',
    record_id: 'f1',
    field: 'location',
    kept: '西侧',
    discarded: '东侧',
    kept_by: String(LINA),
    discarded_by: String(ZHANG),
    kept_by_name: '李娜',
    discarded_by_name: '张伟',
    kept_at: '2026-12-06T02:05:00+00:00',
    discarded_at: '2026-12-06T02:01:00+00:00',
    detected_at: '2026-12-06T02:10:00+00:00',
    dismissed_by: [],
    resolved_by: '',
    resolved_value: null,
  },
};

const words: Words = {
  record: '大堂地砖松动',
  field: '位置',
  value: (v) => String(v),
  time: (iso) => iso.slice(11, 16),
  you: '你',
  someone: '同事',
};

function text(me: number, l: 'zh-CN' | 'en' = 'zh-CN') {
  const [c] = conflictsView([record], [], me);
  const { key, params } = noticeOf(c!, me, words);
  return translate(l, key, params);
}

describe('a conflict notice', () => {
  it('tells the replaced author, the replacing one and a supervisor, in full-width punctuation', () => {
    expect(text(ZHANG)).toBe('你对“大堂地砖松动”的“位置”的修改（东侧）被李娜同时的修改（西侧）替换了。');
    expect(text(LINA)).toBe('你替换了张伟同时对“大堂地砖松动”的“位置”的修改（东侧），现为你的修改（西侧）。');
    expect(text(BOSS)).toBe('李娜对“大堂地砖松动”的“位置”的修改（西侧）替换了张伟同时的修改（东侧）。');
    expect(text(ZHANG, 'en')).toBe(
      'Your change of “位置” of “大堂地砖松动” (东侧) was replaced by 李娜’s change made at the same time (西侧).',
    );
  });

  it('says when each edit was made, naming the viewer "you"', () => {
    const [c] = conflictsView([record], [], ZHANG);
    expect(translate('zh-CN', 'conflict.times', timesOf(c!, ZHANG, words))).toBe('修改时间：李娜02:05，你02:01。');
  });

  it('knows the viewer side', () => {
    expect([ZHANG, LINA, BOSS].map((me) => sideOf(record.fields, me))).toEqual(['replaced', 'replacer', 'between']);
  });
});

describe('unread conflicts', () => {
  const row = (name: string, args: Record<string, unknown>, collection: string, id: string): OutboxLike => ({
    id: `m-${name}`,
    seq: 1,
    name,
    args,
    state: 'pending',
    collection,
    record_id: id,
    created_at: 0,
  });

  it('are those I have not dismissed; a queued dismissal or "keep mine" reads it at once', () => {
    expect(isUnread(conflictsView([record], [], ZHANG)[0]!, ZHANG)).toBe(true);
    const read = { ...record, fields: { ...record.fields, dismissed_by: [String(LINA)] } };
    expect(isUnread(conflictsView([read], [], LINA)[0]!, LINA)).toBe(false);
    expect(isUnread(conflictsView([read], [], ZHANG)[0]!, ZHANG)).toBe(true);
    const dismissed = conflictsView([record], [row('conflicts.dismiss', { id: 'c1' }, 'conflicts', 'c1')], LINA)[0]!;
    expect([isUnread(dismissed, LINA), dismissed.pending]).toEqual([false, 1]);
    const kept = conflictsView([record], [row('findings.upsert', { id: 'f1', location: '东侧', resolves: 'c1' }, 'findings', 'f1')], ZHANG)[0]!;
    expect([isUnread(kept, ZHANG), kept.pending]).toEqual([false, 1]);
  });
});
