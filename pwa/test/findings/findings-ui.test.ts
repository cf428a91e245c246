import { describe, expect, it } from 'vitest';
import '../../src/i18n/error-texts'; // loaded after start in the app
import '../../src/findings/texts';
import { hasKey, translate } from '../../src/i18n';
import { errorText } from '../../src/i18n/errors';
import { CATEGORIES, EDITABLE, NAMES, SERVER_OWNED, STATUSES } from '../../src/findings/finding';
import { parseRoute, pathOf, type Route } from '../../src/app/state';
import { dateTime, day, today } from '../../src/app/format';

const REFUSALS = [
  'unknown_mutation',
  'invalid_args',
  'forbidden',
  'record_locked',
  'bad_hlc',
  'seq_reused',
  'seq_gap',
  'server_owned_field',
  'append_only',
  'device_mismatch',
  'payload_too_large',
  'bad_cursor',
  'not_authenticated',
  'session_expired',
  'record_deleted',
  'duplicate_id',
];

describe('findings texts', () => {
  it('translate every refusal code in both languages, not with the server text', () => {
    for (const code of REFUSALS) {
      expect(hasKey(`error.${code}`), code).toBe(true);
      expect(errorText({ code, message: 'server says' }, 'zh-CN')).not.toBe('server says');
      expect(errorText({ code, message: 'server says' }, 'en')).not.toBe('server says');
    }
    expect(errorText({ code: 'record_locked' }, 'zh-CN')).toContain('锁定');
    // a code this build does not know yet: the server's own (translated) message
    expect(errorText({ code: 'new_rule', message: '服务器说明' }, 'zh-CN')).toBe('服务器说明');
  });

  it('name every field, status, category and mutation', () => {
    for (const f of [...EDITABLE, ...SERVER_OWNED]) expect(hasKey(`finding.field.${f}`), f).toBe(true);
    for (const s of STATUSES) expect(hasKey(`finding.status.${s}`), s).toBe(true);
    for (const c of CATEGORIES) expect(hasKey(`finding.category.${c}`), c).toBe(true);
    for (const m of Object.values(NAMES)) expect(hasKey(`mutation.${m}`), m).toBe(true);
    expect(translate('zh-CN', 'sync.now')).toBe('立即同步');
    expect(translate('en', 'sync.now')).toBe('Sync now');
  });
});

describe('routes', () => {
  it('round-trip between paths and routes', () => {
    const routes: Route[] = [
      { name: 'home' },
      { name: 'settings' },
      { name: 'sync' },
      { name: 'findings' },
      { name: 'finding-new' },
      { name: 'finding', id: '0b9e4a3c-6f1d-4c2a-9e8b-1234567890ab' },
      { name: 'finding-edit', id: 'abc', notice: 'n1' },
      { name: 'finding-edit', id: 'abc' },
    ];
    for (const r of routes) {
      const [path, search] = pathOf(r).split('?');
      expect(parseRoute(path!, search ? `?${search}` : '')).toEqual(r);
    }
    expect(parseRoute('/findings/')).toEqual({ name: 'findings' });
    expect(parseRoute('/')).toEqual({ name: 'home' });
    expect(parseRoute('/nowhere')).toEqual({ name: 'not-found', path: '/nowhere' });
    expect(parseRoute('/findings/%E0%A4%A')).toEqual({ name: 'not-found', path: '/findings/%E0%A4%A' });
    expect(pathOf({ name: 'not-found', path: '/nowhere' })).toBe('/nowhere');
  });
});

describe('times on site', () => {
  it('are shown in Asia/Shanghai', () => {
    // 2025-06-15 23:30 UTC is already the 16th in Shanghai
    const at = Date.UTC(2025, 5, 15, 23, 30);
    expect(today(at)).toBe('2025-06-16');
    expect(dateTime(at, 'en')).toContain('07:30');
    expect(dateTime('2025-06-15T23:30:00Z', 'zh-CN')).toContain('2025/06/16');
    expect(day('2025-06-15', 'zh-CN')).toBe('2025/06/15');
    expect(dateTime(null, 'en')).toBe('');
  });
});
