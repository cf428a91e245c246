import { describe, expect, it } from 'vitest';
import { DEFAULT_TIME_ZONE, dateTime, timeZone, today } from '../../src/app/format';
import { todayOnSite } from '../../src/app/site';
import { user } from '../../src/app/state';
import { parseUser } from '../../src/sync/auth';

// 2026-12-06 17:30 UTC: already the 7th in Shanghai, still the 6th in London.
const EVENING_UTC = Date.UTC(2026, 11, 6, 17, 30);

describe("the site's time zone", () => {
  it('is the server default until the user is known', () => {
    user.value = null;
    expect(timeZone.value).toBe(DEFAULT_TIME_ZONE);
    expect(today(EVENING_UTC)).toBe('2026-12-07');
  });

  it("follows the zone the user's sites carry, for today and for printed times", () => {
    const u = parseUser({ id: 7, username: 'w', roles: ['patrol'], sites: [{ id: 3, name: '伦敦', timezone: 'Europe/London' }] });
    expect(u?.sites[0]?.timezone).toBe('Europe/London');
    user.value = u;
    expect(timeZone.value).toBe('Europe/London');
    expect(today(EVENING_UTC)).toBe('2026-12-06');
    expect(dateTime(EVENING_UTC, 'zh-CN')).toContain('17:30');
    expect(todayOnSite.value).toBe(today());
    user.value = null;
    expect(today(EVENING_UTC)).toBe('2026-12-07');
  });
});
