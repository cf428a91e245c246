import { describe, expect, it } from 'vitest';
import '../../src/i18n/error-texts'; // loaded after start in the app
import { detectLang, format, hasKey, LANGUAGES, matchLang, namespaces, translate } from '../../src/i18n';
import { ROLE_FEATURES, ROLES } from '../../src/app/roles';

// Every feature's catalog (src/<feature>/texts.ts), as its screens would load it.
const featureCatalogs = import.meta.glob('../../src/**/texts.ts', { eager: true });

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('i18n catalogs', () => {
  it('are the core one and one per feature that has texts', () => {
    expect(Object.keys(featureCatalogs).length).toBeGreaterThanOrEqual(5);
    expect([...namespaces().keys()].sort()).toEqual(['admin', 'audit', 'conflicts', 'core', 'errors', 'finding_actions', 'findings', 'home', 'keys', 'parking', 'patrols', 'permits', 'photos', 'push', 'reports', 'review', 'scan', 'signout', 'vendors']);
  });

  it('have the same keys in zh-CN and en, in every namespace', () => {
    for (const [ns, c] of namespaces()) {
      const zh = Object.keys(c['zh-CN']).sort();
      for (const l of LANGUAGES) expect(Object.keys(c[l]).sort(), `${ns} ${l}`).toEqual(zh);
    }
  });

  it('have no empty texts and the same placeholders in every language', () => {
    for (const [ns, c] of namespaces()) {
      for (const [key, zh] of Object.entries(c['zh-CN'])) {
        for (const l of LANGUAGES) {
          expect(c[l][key]?.trim(), `${ns} ${l} ${key}`).toBeTruthy();
          expect(placeholders(c[l][key]!), `${ns} ${l} ${key}`).toEqual(placeholders(zh));
        }
      }
    }
  });

  it('define the shared words once (common.*), not again under a screen\'s own key', () => {
    const shared = new Map<string, string>();
    for (const [key, zh] of Object.entries(namespaces().get('core')!['zh-CN'])) if (key.startsWith('common.')) shared.set(`${zh}|${translate('en', key as never)}`, key);
    const repeated: string[] = [];
    for (const c of namespaces().values()) {
      for (const [key, zh] of Object.entries(c['zh-CN'])) {
        // `a.b.<value>` keys are word tables looked up by data (field names, statuses): not screen words.
        if (key.startsWith('common.') || key.split('.').length > 2) continue;
        if (shared.has(`${zh}|${c.en[key]}`)) repeated.push(`${key} = ${shared.get(`${zh}|${c.en[key]}`)}`);
      }
    }
    expect(repeated).toEqual([]);
  });

  it('name every role and every feature a role card shows', () => {
    for (const role of ROLES) {
      expect(hasKey(`role.${role}`)).toBe(true);
      expect(ROLE_FEATURES[role].length).toBeGreaterThan(0);
    }
    expect(translate('zh-CN', 'role.patrol')).toBe('客服专员');
    expect(translate('en', 'role.cashier')).toBe('Parking cashier');
    expect(ROLE_FEATURES.patrol.map((k) => translate('zh-CN', k))).toEqual(['空置房巡查', '钥匙管理', '卡证办理', '卡证验证']);
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
