// Every field a person edits in a synced collection has a name in zh-CN and en for
// conflict notices. The fields are read from the server's argument Structs (the
// `<collection>.upsert` / `.save` ones), not a hand list, so a new field without a word fails.
import { describe, expect, it } from 'vitest';
import { fieldName, fieldValue } from '../../src/conflicts/fields';
import { lang } from '../../src/i18n';

const schemas = import.meta.glob('../../../server/*/schemas.py', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

/** collection → fields, from each Struct whose docstring starts with `<collection>.upsert` or `.save`. */
function editableFields(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const src of Object.values(schemas)) {
    for (const block of src.split(/\n(?=class )/)) {
      const m = /^class \w+\([^)]*\):\n\s+"""`(\w+)\.(upsert|save)`/.exec(block);
      if (!m) continue;
      const fields = [...block.matchAll(/^ {4}([a-z][a-z0-9_]*): /gm)].map((f) => f[1]!);
      out.set(m[1]!, [...(out.get(m[1]!) ?? []), ...fields]);
    }
  }
  return out;
}

describe('conflict field names', () => {
  const found = editableFields();

  it('finds the edited collections in the server source', () => {
    expect([...found.keys()].sort()).toEqual(expect.arrayContaining(['findings', 'keys', 'patrol_templates', 'patrols']));
    expect(found.get('keys')).toContain('storage_place');
  });

  for (const l of ['zh-CN', 'en'] as const) {
    it(`names every field in ${l}`, () => {
      lang.value = l;
      const missing: string[] = [];
      for (const [collection, fields] of found) {
        for (const f of fields) if (fieldName(collection, f) === f) missing.push(`${collection}.${f}`);
      }
      expect(missing).toEqual([]);
      lang.value = 'zh-CN';
    });
  }

  it('says key fields in Chinese', () => {
    lang.value = 'zh-CN';
    expect(fieldName('keys', 'storage_place')).toBe('存放位置');
    expect(fieldName('findings', 'location')).toBe('位置');
  });

  it('says a key kind in words, not its code, in both languages', () => {
    lang.value = 'zh-CN';
    expect(fieldValue('keys', 'kind', 'entrusted')).toBe('业主委托钥匙');
    expect(fieldValue('keys', 'storage_place', '钥匙柜 B1')).toBe('钥匙柜 B1');
    lang.value = 'en';
    expect(fieldValue('keys', 'kind', 'vacant')).toBe('Vacant-unit key');
    expect(fieldName('keys', 'storage_place')).toBe('Storage place');
    lang.value = 'zh-CN';
  });
});
