import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n';
import { errorText } from '../i18n/errors';
import { BLANK, CATEGORIES, isLocked, valuesOf, type FindingValues } from './finding';
import type { User } from '../app/api-types';
import { Screen } from '../app/common';
import { dismiss, notices, ready } from '../app/data';
import { refreshUnits } from '../app/cache';
import { allUnits } from '../app/site';
import { unitLabel } from '../app/units';
import { categoryLabel, fieldLabel } from '../app/labels';
import { goBack, leave, online, route } from '../app/state';
import { findings, newFindingId, saveFinding } from './store';
import type { NewPhoto } from '../db/local';
import { PhotoPicker } from '../photos/Photos';

/** The new-finding and edit screens; `noticeId` prefills what a rejected edit tried. */
export function FindingFormScreen({ user, id, noticeId }: { user: User; id: string | null; noticeId?: string }) {
  const existing = id ? findings.value.find((f) => f.id === id) ?? null : null;
  const notice = noticeId ? notices.value.find((n) => n.id === noticeId) ?? null : null;
  const title = id && (existing || notice) ? t('form.edit_title') : t('form.new_title');
  const back = () => goBack(id ? { name: 'finding', id } : 'findings');
  if (!ready.value) {
    return (
      <Screen title={title} back={back}>
        <p class="muted">{t('common.loading')}</p>
      </Screen>
    );
  }
  if (id && !existing && !notice) {
    return (
      <Screen title={title} back={back}>
        <p class="muted" data-testid="finding-missing">
          {t('finding.missing')}
        </p>
      </Screen>
    );
  }
  // Keyed so that a different record (or notice) starts a fresh form.
  return (
    <Screen title={title} back={back}>
      <FindingForm key={`${id ?? 'new'}|${noticeId ?? ''}`} user={user} id={id} noticeId={noticeId} />
    </Screen>
  );
}

function initial(user: User, before: FindingValues | null, noticeArgs: Record<string, unknown> | null): FindingValues {
  const v: FindingValues = { ...(before ?? BLANK) };
  if (!before && user.sites.length === 1) v.site_id = Number(user.sites[0]!.id);
  if (noticeArgs) {
    // What the rejected edit tried, over the current values (set fields stay as they are).
    const w = v as Record<string, unknown>;
    for (const [k, val] of Object.entries(noticeArgs)) {
      if (k !== 'id' && k !== 'photos' && k !== 'fix_photos' && k in w) w[k] = val;
    }
  }
  return v;
}

function FindingForm({ user, id, noticeId }: { user: User; id: string | null; noticeId?: string }) {
  // Read once: the form edits from what was shown when it opened.
  const [base] = useState(() => {
    const existing = id ? findings.value.find((f) => f.id === id) ?? null : null;
    const notice = noticeId ? notices.value.find((n) => n.id === noticeId) ?? null : null;
    const before = existing ? valuesOf(existing) : null;
    return { before, recordId: id ?? newFindingId(), values: initial(user, before, notice?.args ?? null), locked: existing ? isLocked(existing) : false };
  });
  const [v, setV] = useState<FindingValues>(base.values);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // Photos picked in this form: made ready, stored only with the save's mutation.
  const [added, setAdded] = useState<ReadonlyMap<string, NewPhoto>>(new Map());
  const [processing, setProcessing] = useState(0);

  const siteKey = v.site_id === null ? null : String(v.site_id);
  // The unit is picked building → unit from the site's units (cached for offline use).
  const siteUnits = allUnits.value.list.filter((u) => String(u.site_id) === siteKey);
  const unitsKnown = siteKey !== null && allUnits.value.fetched.has(siteKey);
  useEffect(() => {
    if (siteKey && online.value) void refreshUnits(siteKey);
  }, [siteKey]);
  const known = siteUnits.some((u) => u.id === v.unit_id);
  // Grouped by building, in the order people count them (2栋 before 10栋).
  const byBuilding = new Map<string, typeof siteUnits>();
  for (const u of [...siteUnits].sort((x, y) => unitLabel(x).localeCompare(unitLabel(y), 'zh-CN', { numeric: true }))) {
    byBuilding.set(u.building_name, [...(byBuilding.get(u.building_name) ?? []), u]);
  }

  const set = <K extends keyof FindingValues>(k: K, val: FindingValues[K]) => setV((prev) => ({ ...prev, [k]: val }));
  const addPhoto = (field: 'photos') => (p: NewPhoto) => {
    setAdded((prev) => new Map(prev).set(p.hash, p));
    setV((prev) => (prev[field].includes(p.hash) ? prev : { ...prev, [field]: [...prev[field], p.hash] }));
  };
  const removePhoto = (field: 'photos') => (hash: string) =>
    setV((prev) => ({ ...prev, [field]: prev[field].filter((h) => h !== hash) }));
  const onBusy = (d: number) => setProcessing((n) => n + d);
  /** The finding's photos: the label with the count, and the picker. */
  const photoField = (field: 'photos', testid: string, inputTestId: string, galleryTestId: string) => (
    <div class="photo-field" data-testid={testid}>
      <span class="field-label">
        {fieldLabel(field)} <span class="muted">({t('value.photos', { n: v[field].length })})</span>
      </span>
      <PhotoPicker
        hashes={v[field]}
        added={added}
        onAdd={addPhoto(field)}
        onRemove={removePhoto(field)}
        onBusy={onBusy}
        disabled={base.locked}
        inputTestId={inputTestId}
        galleryTestId={galleryTestId}
      />
    </div>
  );

  async function submit(e: Event) {
    e.preventDefault();
    if (busy || processing > 0) return;
    if (v.site_id === null) {
      setError(t('form.site_required'));
      return;
    }
    if (base.before === null && v.description.trim() === '') {
      // The server requires it for a new finding; saying so now beats a rejection later.
      setError(t('form.description_required'));
      return;
    }
    setBusy(true);
    setError(null);
    const here = route.value;
    try {
      const kept = new Set(v.photos);
      const photos = [...added.values()].filter((p) => kept.has(p.hash));
      const changed = await saveFinding(base.recordId, v, base.before, noticeId ? [noticeId] : [], photos);
      if (!changed && noticeId) {
        // Nothing new to send, but the person has seen the rejection.
        await dismiss(noticeId);
      }
      leave(here, { name: 'finding', id: base.recordId });
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  }

  return (
    <form class="card form" onSubmit={submit} noValidate aria-busy={busy} data-testid="finding-form">
      {base.locked && <p class="notice">{t('finding.locked')}</p>}
      <label for="f-site">{fieldLabel('site_id')} *</label>
      <select
        id="f-site"
        required
        value={siteKey ?? ''}
        onChange={(e) => {
          const s = e.currentTarget.value;
          setV((prev) => ({ ...prev, site_id: s === '' ? null : Number(s), unit_id: s === siteKey ? prev.unit_id : null }));
        }}
        data-testid="finding-site"
      >
        <option value="">{t('common.choose')}</option>
        {user.sites.map((s) => (
          <option key={s.id} value={s.id}>
            {s.name}
          </option>
        ))}
        {siteKey && !user.sites.some((s) => s.id === siteKey) && <option value={siteKey}>#{siteKey}</option>}
      </select>

      <label for="f-category">{fieldLabel('category')}</label>
      <select id="f-category" value={v.category} onChange={(e) => set('category', e.currentTarget.value)} data-testid="finding-category">
        {CATEGORIES.map((c) => (
          <option key={c} value={c}>
            {categoryLabel(c)}
          </option>
        ))}
        {!(CATEGORIES as readonly string[]).includes(v.category) && <option value={v.category}>{v.category}</option>}
      </select>

      <label for="f-location">{fieldLabel('location')}</label>
      <input id="f-location" type="text" maxLength={200} value={v.location} onInput={(e) => set('location', e.currentTarget.value)} data-testid="finding-location" />

      <label for="f-unit">{fieldLabel('unit_id')}</label>
      <select
        id="f-unit"
        value={v.unit_id === null ? '' : String(v.unit_id)}
        onChange={(e) => set('unit_id', e.currentTarget.value === '' ? null : Number(e.currentTarget.value))}
        data-testid="finding-unit"
      >
        <option value="">{t('form.no_unit')}</option>
        {[...byBuilding].map(([building, list]) => (
          <optgroup key={building} label={building}>
            {list.map((u) => (
              <option key={u.id} value={String(u.id)}>
                {unitLabel(u)}
              </option>
            ))}
          </optgroup>
        ))}
        {v.unit_id !== null && !known && <option value={String(v.unit_id)}>{t('unit.number_only', { id: v.unit_id })}</option>}
      </select>
      {siteKey && !unitsKnown && <p class="muted hint">{t('form.no_units')}</p>}

      <label for="f-description">{fieldLabel('description')} *</label>
      <textarea
        id="f-description"
        rows={4}
        maxLength={2000}
        value={v.description}
        onInput={(e) => set('description', e.currentTarget.value)}
        data-testid="finding-description"
      />

      {photoField('photos', 'finding-photos', 'photo-input', 'photo-gallery-input')}

      <label for="f-due">{fieldLabel('due_date')}</label>
      <input
        id="f-due"
        type="date"
        value={v.due_date ?? ''}
        onInput={(e) => set('due_date', e.currentTarget.value === '' ? null : e.currentTarget.value)}
        data-testid="finding-due-date"
      />

      {error && (
        <p class="error" role="alert" data-testid="finding-error">
          {error}
        </p>
      )}
      <button type="submit" class="btn btn-primary btn-block" disabled={busy || processing > 0 || base.locked} data-testid="finding-save">
        {t('common.save')}
      </button>
      <p class="muted hint">{t('form.saved_locally')}</p>
    </form>
  );
}
