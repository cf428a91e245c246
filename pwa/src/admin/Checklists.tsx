// 基础数据 · 巡查清单: a site's checklist versions; saving makes a new version (a sync record: offline too).
// Names are kept per language; each item says whether failing it needs a photo; each meter whether it is required.
import { useState } from 'preact/hooks';
import { t } from '../i18n';
import type { User } from '../app/api-types';
import { online } from '../app/state';
import { SitePicker } from '../app/ui';
import { currentTemplate, METER_UNITS, METERS, type ChecklistItem, type LocalName, type Meter, type ReadingSpec } from '../patrols/patrol';
import { saveChecklist, templates } from '../patrols/store';
import type { Args } from '../sync/wire';
import { AdminError } from './AdminError';
import { FieldError, Saved, useForm } from './form';

export function Checklists({ user }: { user: User }) {
  const [site, setSite] = useState(user.sites[0]?.id ?? '');
  const siteId = Number(site);
  const versions = templates.value.filter((t) => t.site_id === siteId).sort((a, b) => b.version - a.version);
  const current = currentTemplate(templates.value, siteId);
  const [items, setItems] = useState<ChecklistItem[] | null>(null);
  const [name, setName] = useState<LocalName | null>(null);
  const [readings, setReadings] = useState<ReadingSpec[] | null>(null);
  const form = useForm();
  const editing = items ?? current?.items ?? [];
  const names = name ?? current?.name ?? { 'zh-CN': t('admin.checklist'), en: '' };
  const meters = readings ?? current?.readings ?? METERS.map((meter) => ({ meter, unit: METER_UNITS[meter], required: false }));
  const changed = items !== null || name !== null || readings !== null;
  function edit(i: number, patchItem: Partial<ChecklistItem>) {
    setItems(editing.map((x, j) => (i === j ? { ...x, ...patchItem } : x)));
  }
  function require(m: Meter, required: boolean) {
    const others = meters.filter((r) => r.meter !== m);
    setReadings(METERS.flatMap((x) => (x === m ? [{ meter: m, unit: METER_UNITS[m], required }] : others.filter((r) => r.meter === x))));
  }
  async function save() {
    const keysSeen = new Set<string>();
    // Each problem next to its own field.
    if (!form.required('name.zh', names['zh-CN'], t('admin.checklist_name_zh'))) return;
    if (!form.required('name.en', names.en, t('admin.checklist_name_en'))) return;
    for (const [i, it] of editing.entries()) {
      if (!form.required(`${i}.key`, it.key, t('admin.item_key'))) return;
      if (keysSeen.has(it.key.trim())) return void form.refuse(`${i}.key`, t('admin.item_key_twice'));
      if (!form.required(`${i}.zh`, it.zh, t('admin.item_zh')) || !form.required(`${i}.en`, it.en, t('admin.item_en'))) return;
      keysSeen.add(it.key.trim());
    }
    const version = Math.max(0, ...versions.map((t) => t.version)) + 1;
    const id = `site-${siteId}-v${version}`;
    const args: Args = {
      id,
      site_id: siteId,
      version,
      name: { 'zh-CN': names['zh-CN'].trim(), en: names.en.trim() },
      items: editing.map((i) => ({ key: i.key.trim(), zh: i.zh.trim(), en: i.en.trim(), photo_required: i.photo_required })),
      readings: meters.map((r) => ({ meter: r.meter, unit: r.unit, required: r.required })),
    };
    // Kept in the outbox: "syncs when online" only while offline.
    const done = t(online.value ? 'admin.checklist_saved_online' : 'admin.checklist_saved', { version });
    if (await form.run(() => saveChecklist({ ...args, id }), done)) {
      setItems(null);
      setName(null);
      setReadings(null);
    }
  }
  return (
    <section class="card form" data-testid="admin-checklists">
      <h2>{t('admin.checklists')}</h2>
      <SitePicker sites={user.sites} id="a-site" testid="admin-site" value={site} onChange={(v) => { setSite(v); setItems(null); setName(null); setReadings(null); }} />
      <p class="muted hint">{t('admin.checklist_versions', { list: versions.map((x) => t('admin.version_n', { version: x.version })).join('、') || t('admin.none') })}</p>
      <p class="muted hint">{t('admin.checklist_hint')}</p>
      <label for="cl-name">{t('admin.checklist_name_zh')}</label>
      <input id="cl-name" value={names['zh-CN']} onInput={(e) => setName({ ...names, 'zh-CN': e.currentTarget.value })} data-testid="admin-checklist-name-zh" />
      <FieldError field="name.zh" text={form.errorFor('name.zh')} />
      <label for="cl-name-en">{t('admin.checklist_name_en')}</label>
      <input id="cl-name-en" value={names.en} onInput={(e) => setName({ ...names, en: e.currentTarget.value })} data-testid="admin-checklist-name-en" />
      <FieldError field="name.en" text={form.errorFor('name.en')} />
      <fieldset class="item-edit">
        <legend>{t('admin.readings')}</legend>
        {METERS.map((m) => (
          <label key={m} class="check">
            <input
              type="checkbox"
              checked={meters.some((r) => r.meter === m && r.required)}
              onChange={(e) => require(m, e.currentTarget.checked)}
              data-testid="admin-reading-required"
              data-meter={m}
            />{' '}
            {t('admin.reading_required', { meter: t(`patrol.${m}`), unit: METER_UNITS[m] })}
          </label>
        ))}
      </fieldset>
      {editing.map((it, i) => (
        <div key={i} class="item-edit" data-testid="admin-checklist-item" data-key={it.key}>
          <label for={`ck-${i}`}>{t('admin.item_key')}</label>
          <input id={`ck-${i}`} value={it.key} onInput={(e) => edit(i, { key: e.currentTarget.value })} />
          <FieldError field={`${i}.key`} text={form.errorFor(`${i}.key`)} />
          <label for={`cz-${i}`}>{t('admin.item_zh')}</label>
          <input id={`cz-${i}`} value={it.zh} onInput={(e) => edit(i, { zh: e.currentTarget.value })} />
          <FieldError field={`${i}.zh`} text={form.errorFor(`${i}.zh`)} />
          <label for={`ce-${i}`}>{t('admin.item_en')}</label>
          <input id={`ce-${i}`} value={it.en} onInput={(e) => edit(i, { en: e.currentTarget.value })} />
          <FieldError field={`${i}.en`} text={form.errorFor(`${i}.en`)} />
          <label class="check">
            <input type="checkbox" checked={it.photo_required} onChange={(e) => edit(i, { photo_required: e.currentTarget.checked })} data-testid="admin-item-photo-required" />{' '}
            {t('admin.item_photo_required')}
          </label>
          <button type="button" class="btn btn-light-outline" onClick={() => setItems(editing.filter((_, j) => j !== i))}>
            {t('admin.remove')}
          </button>
        </div>
      ))}
      <button type="button" class="btn btn-light-outline" onClick={() => setItems([...editing, { key: `item${editing.length + 1}`, zh: '', en: '', photo_required: false }])} data-testid="admin-checklist-add">
        {t('admin.item_add')}
      </button>
      <AdminError text={form.general(['name.zh', 'name.en', ...editing.flatMap((_, i) => [`${i}.key`, `${i}.zh`, `${i}.en`])])} />
      <Saved text={form.saved} />
      <button type="button" class="btn btn-primary" disabled={!changed || editing.length === 0} onClick={() => void save()} data-testid="admin-checklist-save">
        {t('admin.checklist_save')}
      </button>
    </section>
  );
}
