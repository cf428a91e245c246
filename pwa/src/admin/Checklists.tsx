// 基础数据 · 巡查清单: a site's checklist versions; saving makes a new version (a sync record: offline too).
import { useState } from 'preact/hooks';
import { t } from '../i18n';
import type { User } from '../app/api-types';
import { SitePicker } from '../app/ui';
import { currentTemplate, type ChecklistItem } from '../patrols/patrol';
import { saveChecklist, templates } from '../patrols/store';
import type { Args } from '../sync/wire';
import { AdminError } from './AdminError';
import { FieldError, Saved, useForm } from './form';
import { online } from '../app/state';

export function Checklists({ user }: { user: User }) {
  const [site, setSite] = useState(user.sites[0]?.id ?? '');
  const siteId = Number(site);
  const versions = templates.value.filter((t) => t.site_id === siteId).sort((a, b) => b.version - a.version);
  const current = currentTemplate(templates.value, siteId);
  const [items, setItems] = useState<ChecklistItem[] | null>(null);
  const [name, setName] = useState('');
  const form = useForm();
  const editing = items ?? current?.items ?? [];
  function edit(i: number, patchItem: Partial<ChecklistItem>) {
    setItems(editing.map((x, j) => (i === j ? { ...x, ...patchItem } : x)));
  }
  async function save() {
    const keysSeen = new Set<string>();
    // Each item's problem next to its own field.
    for (const [i, it] of editing.entries()) {
      if (!form.required(`${i}.key`, it.key, t('admin.item_key'))) return;
      if (keysSeen.has(it.key.trim())) return void form.refuse(`${i}.key`, t('admin.item_key_twice'));
      if (!form.required(`${i}.zh`, it.zh, t('admin.item_zh')) || !form.required(`${i}.en`, it.en, t('admin.item_en'))) return;
      keysSeen.add(it.key.trim());
    }
    const version = Math.max(0, ...versions.map((t) => t.version)) + 1;
    const id = `site-${siteId}-v${version}`;
    const args: Args = { id, site_id: siteId, version, name: name.trim() || current?.name || t('admin.checklist'), items: editing.map((i) => ({ key: i.key.trim(), zh: i.zh.trim(), en: i.en.trim() })) };
    // Kept in the outbox: "syncs when online" only while offline.
    const done = t(online.value ? 'admin.checklist_saved_online' : 'admin.checklist_saved', { version });
    if (await form.run(() => saveChecklist({ ...args, id }), done)) setItems(null);
  }
  return (
    <section class="card form" data-testid="admin-checklists">
      <h2>{t('admin.checklists')}</h2>
      <SitePicker sites={user.sites} id="a-site" testid="admin-site" value={site} onChange={(v) => { setSite(v); setItems(null); }} />
      <p class="muted hint">{t('admin.checklist_versions', { list: versions.map((t) => `v${t.version}`).join(', ') || t('admin.none') })}</p>
      <p class="muted hint">{t('admin.checklist_hint')}</p>
      <label for="cl-name">{t('admin.checklist_name')}</label>
      <input id="cl-name" value={name} placeholder={current?.name ?? ''} onInput={(e) => setName(e.currentTarget.value)} />
      {editing.map((it, i) => (
        <div key={i} class="item-edit" data-testid="admin-checklist-item">
          <label for={`ck-${i}`}>{t('admin.item_key')}</label>
          <input id={`ck-${i}`} value={it.key} onInput={(e) => edit(i, { key: e.currentTarget.value })} />
          <FieldError field={`${i}.key`} text={form.errorFor(`${i}.key`)} />
          <label for={`cz-${i}`}>{t('admin.item_zh')}</label>
          <input id={`cz-${i}`} value={it.zh} onInput={(e) => edit(i, { zh: e.currentTarget.value })} />
          <FieldError field={`${i}.zh`} text={form.errorFor(`${i}.zh`)} />
          <label for={`ce-${i}`}>{t('admin.item_en')}</label>
          <input id={`ce-${i}`} value={it.en} onInput={(e) => edit(i, { en: e.currentTarget.value })} />
          <FieldError field={`${i}.en`} text={form.errorFor(`${i}.en`)} />
          <button type="button" class="btn btn-light-outline" onClick={() => setItems(editing.filter((_, j) => j !== i))}>
            {t('admin.remove')}
          </button>
        </div>
      ))}
      <button type="button" class="btn btn-light-outline" onClick={() => setItems([...editing, { key: `item${editing.length + 1}`, zh: '', en: '' }])} data-testid="admin-checklist-add">
        {t('admin.item_add')}
      </button>
      <AdminError text={form.general(editing.flatMap((_, i) => [`${i}.key`, `${i}.zh`, `${i}.en`]))} />
      <Saved text={form.saved} />
      <button type="button" class="btn btn-primary" disabled={items === null || editing.length === 0} onClick={() => void save()} data-testid="admin-checklist-save">
        {t('admin.checklist_save')}
      </button>
    </section>
  );
}
