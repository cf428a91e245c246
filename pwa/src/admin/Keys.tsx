// 基础数据 · 钥匙: key registration (a sync record: offline too) and QR label printing (online).
import { useState } from 'preact/hooks';
import type { NewPhoto } from '../db/local';
import { t } from '../i18n';
import { PhotoPicker } from '../photos/Photos';
import { online } from '../app/state';
import type { UnitRead, User } from '../app/api-types';
import { SitePicker, useLoad } from '../app/ui';
import { KINDS, type Key } from '../keys/key';
import { keyKindText, keyStatusText } from '../keys/labels';
import { keys, saveKey } from '../keys/store';
import { units as cachedUnits } from '../app/site';
import { unitLabel } from '../app/units';
import { uuid } from '../sync/hlc';
import type { Args } from '../sync/wire';
import { AdminError } from './AdminError';
import { FieldError, Saved, useForm } from './form';

export function Keys({ user, editId }: { user: User; editId?: string }) {
  const [site, setSite] = useState(() => {
    const k = editId ? keys.value.find((x) => x.id === editId) : null;
    return k?.site_id ? String(k.site_id) : user.sites[0]?.id ?? '';
  });
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [editing, setEditing] = useState<string | 'new' | null>(editId ?? null);
  // Said after the form closes: which key was saved (kept in the outbox until it syncs).
  const [saved, setSaved] = useState<string | null>(null);
  const edit = (which: string | 'new') => {
    setSaved(null);
    setEditing(which);
  };
  const list = keys.value.filter((k) => String(k.site_id) === site).sort((a, b) => a.code.localeCompare(b.code));
  const printable = list.filter((k) => selected.has(k.id) && k.tag_hash);
  function print() {
    window.open(`/api/keys/labels.pdf?ids=${printable.map((k) => encodeURIComponent(k.id)).join(',')}`, '_blank', 'noopener');
  }
  const current = editing && editing !== 'new' ? keys.value.find((k) => k.id === editing) ?? null : null;
  return (
    <>
      <section class="card form" data-testid="admin-keys">
        <h2>{t('admin.keys')}</h2>
        <SitePicker sites={user.sites} id="a-site" testid="admin-site" value={site} onChange={setSite} />
        <Saved text={saved} />
        <button type="button" class="btn btn-primary" onClick={() => edit('new')} data-testid="admin-key-new">
          {t('admin.key_new')}
        </button>
        <ul class="plain-list">
          {list.map((k) => (
            <li key={k.id} class="row" data-testid="admin-key-row" data-id={k.id}>
              <div class="checks">
                <label>
                  <input
                    type="checkbox"
                    checked={selected.has(k.id)}
                    disabled={!k.tag_hash}
                    onChange={() => setSelected((s) => {
                      const n = new Set(s);
                      if (n.has(k.id)) n.delete(k.id);
                      else n.add(k.id);
                      return n;
                    })}
                    data-testid="admin-key-select"
                  />
                  <strong>{k.code}</strong> · {keyKindText(k.kind)} · {keyStatusText(k.status)}
                </label>
              </div>
              <span class="row-sub">{k.label || unitName(k.unit_id)}{!k.tag_hash && ` · ${t('admin.key_not_synced')}`}</span>
              <button type="button" class="btn-link" onClick={() => edit(k.id)}>
                {t('admin.edit')}
              </button>
            </li>
          ))}
        </ul>
        <div class="actions">
          <button type="button" class="btn btn-light-outline" onClick={() => setSelected(new Set(list.filter((k) => k.tag_hash).map((k) => k.id)))}>
            {t('admin.select_all')}
          </button>
          <button type="button" class="btn btn-primary" disabled={printable.length === 0 || !online.value} onClick={print} data-testid="admin-key-print">
            {t('admin.print_labels', { n: printable.length })}
          </button>
        </div>
      </section>
      {editing !== null && (
        <KeyForm
          key={editing}
          siteId={Number(site)}
          existing={current}
          onDone={(text) => {
            setEditing(null);
            setSaved(text ?? null);
          }}
        />
      )}
    </>
  );
}

function unitName(id: number | null): string {
  const u = cachedUnits.value.list.find((x) => x.id === id);
  return u ? unitLabel(u) : id === null ? '' : `#${id}`;
}

const KEY_FIELDS = ['code', 'kind', 'unit_id', 'label', 'storage_place', 'owner_name', 'owner_phone', 'authorized_people', 'authorization_until', 'note'] as const;

/** `onDone(saved)`: closed, with what was saved (nothing when cancelled or unchanged). */
function KeyForm({ siteId, existing, onDone }: { siteId: number; existing: Key | null; onDone: (saved?: string) => void }) {
  const init = {
    code: existing?.code ?? '',
    kind: existing?.kind ?? 'vacant',
    unit_id: existing?.unit_id ?? null,
    label: existing?.label ?? '',
    storage_place: existing?.storage_place ?? '',
    owner_name: existing?.owner_name ?? '',
    owner_phone: existing?.owner_phone ?? '',
    authorized_people: existing?.authorized_people ?? '',
    authorization_until: existing?.authorization_until ?? null,
    note: existing?.note ?? '',
  };
  const [v, setV] = useState(init);
  const [photos, setPhotos] = useState<string[]>(existing?.authorization_photos ?? []);
  const [added, setAdded] = useState<ReadonlyMap<string, NewPhoto>>(new Map());
  const [busy, setBusy] = useState(0);
  const form = useForm();
  const siteUnits = cachedUnits.value.list.filter((u) => u.site_id === siteId);
  const { data: allUnits } = useLoad<UnitRead[]>(online.value ? `/api/sites/${siteId}/units` : null);
  const unitOptions = allUnits ?? siteUnits;
  async function save(e: Event) {
    e.preventDefault();
    if (v.code.trim() === '') return void form.refuse('code', t('admin.key_code_required'));
    const id = existing?.id ?? uuid();
    const args: Args = { id };
    if (!existing) args.site_id = siteId;
    for (const f of KEY_FIELDS) {
      const val = f === 'code' ? v.code.trim() : v[f];
      if (!existing || val !== init[f]) args[f] = val;
    }
    const before = existing?.authorization_photos ?? [];
    const add = photos.filter((h) => !before.includes(h));
    const remove = before.filter((h) => !photos.includes(h));
    if (add.length || remove.length) args.authorization_photos = existing ? { add, remove } : photos;
    if (Object.keys(args).length === 1) return onDone();
    const code = v.code.trim();
    // Kept in the outbox: "syncs when online" only while offline.
    if (await form.run(() => saveKey({ ...args, id }, [...added.values()].filter((p) => photos.includes(p.hash))), '')) {
      onDone(t(online.value ? 'admin.key_saved' : 'admin.key_saved_offline', { code }));
    }
  }
  return (
    <form class="card form" onSubmit={save} noValidate data-testid="admin-key-form">
      <h2>{existing ? t('admin.key_edit', { code: existing.code }) : t('admin.key_new')}</h2>
      <label for="kf-code">{t('admin.key_code')}</label>
      <input id="kf-code" required maxLength={32} value={v.code} onInput={(e) => setV({ ...v, code: e.currentTarget.value })} data-testid="admin-key-code" />
      <FieldError field="code" text={form.errorFor('code')} />
      <label for="kf-kind">{t('admin.key_kind')}</label>
      <select id="kf-kind" value={v.kind} onChange={(e) => setV({ ...v, kind: e.currentTarget.value })} data-testid="admin-key-kind">
        {KINDS.map((k) => (
          <option key={k} value={k}>
            {keyKindText(k)}
          </option>
        ))}
      </select>
      <label for="kf-unit">{t('admin.unit')}</label>
      <select id="kf-unit" value={v.unit_id === null ? '' : String(v.unit_id)} onChange={(e) => setV({ ...v, unit_id: e.currentTarget.value === '' ? null : Number(e.currentTarget.value) })} data-testid="admin-key-unit">
        <option value="">{t('common.choose')}</option>
        {unitOptions.map((u) => (
          <option key={u.id} value={String(u.id)}>
            {unitLabel(u)}
            {u.vacant ? ` · ${t('admin.vacant')}` : ''}
          </option>
        ))}
        {v.unit_id !== null && !unitOptions.some((u) => u.id === v.unit_id) && <option value={String(v.unit_id)}>#{v.unit_id}</option>}
      </select>
      <label for="kf-label">{t('admin.key_label')}</label>
      <input id="kf-label" maxLength={200} value={v.label} onInput={(e) => setV({ ...v, label: e.currentTarget.value })} />
      <label for="kf-store">{t('admin.key_storage')}</label>
      <input id="kf-store" maxLength={200} value={v.storage_place} onInput={(e) => setV({ ...v, storage_place: e.currentTarget.value })} data-testid="admin-key-storage" />
      {v.kind === 'entrusted' && (
        <>
          <label for="kf-owner">{t('admin.key_owner')}</label>
          <input id="kf-owner" maxLength={100} value={v.owner_name} onInput={(e) => setV({ ...v, owner_name: e.currentTarget.value })} />
          <label for="kf-phone">{t('admin.key_owner_phone')}</label>
          <input id="kf-phone" type="tel" maxLength={32} value={v.owner_phone} onInput={(e) => setV({ ...v, owner_phone: e.currentTarget.value })} />
          <label for="kf-people">{t('admin.key_people')}</label>
          <input id="kf-people" maxLength={500} value={v.authorized_people} onInput={(e) => setV({ ...v, authorized_people: e.currentTarget.value })} />
          <label for="kf-until">{t('admin.key_until')}</label>
          <input id="kf-until" type="date" value={v.authorization_until ?? ''} onInput={(e) => setV({ ...v, authorization_until: e.currentTarget.value || null })} data-testid="admin-key-until" />
          <p class="check-label">{t('admin.key_form_photo')}</p>
          <PhotoPicker
            hashes={photos}
            added={added}
            onAdd={(p) => {
              setAdded((m) => new Map(m).set(p.hash, p));
              setPhotos((l) => (l.includes(p.hash) ? l : [...l, p.hash]));
            }}
            onRemove={(h) => setPhotos((l) => l.filter((x) => x !== h))}
            onBusy={(d) => setBusy((n) => n + d)}
            inputTestId="admin-key-photo-input"
            galleryTestId="admin-key-photo-gallery"
          />
        </>
      )}
      <label for="kf-note">{t('admin.key_note')}</label>
      <textarea id="kf-note" rows={2} value={v.note} onInput={(e) => setV({ ...v, note: e.currentTarget.value })} />
      <AdminError text={form.general(['code'])} />
      <div class="actions">
        <button type="button" class="btn btn-light-outline" onClick={() => onDone()}>
          {t('common.cancel')}
        </button>
        <button type="submit" class="btn btn-primary" disabled={busy > 0 || form.busy} data-testid="admin-key-save">
          {t('common.save')}
        </button>
      </div>
    </form>
  );
}
