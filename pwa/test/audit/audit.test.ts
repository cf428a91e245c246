import { describe, expect, it } from 'vitest';
import { addDays, auditQuery } from '../../src/audit/AuditLog';
import { parseRoute, pathOf } from '../../src/app/state';

describe('the audit log screen', () => {
  it('moves a period on the calendar across months and leap days', () => {
    expect(addDays('2026-12-06', -6)).toBe('2026-11-30');
    expect(addDays('2028-03-01', -1)).toBe('2028-02-29');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
  });

  it('asks the server for a site and period, with paging and format', () => {
    expect(auditQuery('3', '2026-12-01', '2026-12-06', { before_id: '41', limit: '100' })).toBe(
      '/api/audit/?site_id=3&from=2026-12-01&to=2026-12-06&before_id=41&limit=100',
    );
  });

  it('has an address of its own', () => {
    expect(parseRoute('/audit')).toEqual({ name: 'audit' });
    expect(pathOf({ name: 'audit' })).toBe('/audit');
  });
});
