import { describe, expect, it } from 'vitest';
import { catalogs, detectLang, format, LANGUAGES, matchLang, translate } from '../../src/i18n';
import { ROLES } from '../../src/app/roles';
import { ROLE_FEATURES } from '../../src/app/roles';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('i18n catalogs', () => {
  it('have the same keys in every language', () => {
    const zh = Object.keys(catalogs['zh-CN']).sort();
    for (const l of LANGUAGES) expect(Object.keys(catalogs[l]).sort()).toEqual(zh);
  });

  it('have no empty texts and the same placeholders in every language', () => {
    for (const key of Object.keys(catalogs['zh-CN']) as (keyof (typeof catalogs)['zh-CN'])[]) {
      const zh = catalogs['zh-CN'][key];
      for (const l of LANGUAGES) {
        expect(catalogs[l][key].trim(), `${l} ${key}`).not.toBe('');
        expect(placeholders(catalogs[l][key]), `${l} ${key}`).toEqual(placeholders(zh));
      }
    }
  });

  it('name every role and every feature a role card shows', () => {
    for (const role of ROLES) {
      expect(catalogs['zh-CN'][`role.${role}`]).toBeTruthy();
      expect(ROLE_FEATURES[role].length).toBeGreaterThan(0);
    }
    expect(translate('zh-CN', 'role.patrol')).toBe('客服专员');
    expect(translate('en', 'role.cashier')).toBe('Parking cashier');
    expect(ROLE_FEATURES.patrol.map((k) => translate('zh-CN', k))).toEqual(['空置房巡查', '钥匙管理']);
  });

  it('fills placeholders and leaves unknown ones alone', () => {
    expect(format('{a} and {b}', { a: 1 })).toBe('1 and {b}');
    expect(translate('en', 'error.rate_limited', { seconds: 30 })).toBe('Too many attempts. Try again in 30 seconds.');
    expect(translate('zh-CN', 'app.name')).toBe('Fieldkeep 现场');
    expect(translate('en', 'app.name')).toBe('Fieldkeep');
  });

  it('picks the UI language from the browser, Chinese by default', () => {
    expect(detectLang(['en-US', 'zh-CN'])).toBe('en');
    expect(detectLang(['fr-FR', 'zh-TW'])).toBe('zh-CN');
    expect(detectLang(['de-DE'])).toBe('zh-CN');
    expect(detectLang([])).toBe('zh-CN');
    expect(detectLang(undefined)).toBe('zh-CN');
    expect(matchLang('EN')).toBe('en');
    expect(matchLang('zh-Hans-CN')).toBe('zh-CN');
    expect(matchLang('english')).toBeNull();
  });
});
