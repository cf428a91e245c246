// 外包巡检 on the phone: pick site, vendor and zone (cached for offline use),
// score the zone's items with big targets (合格 or 扣 1/2/5 with a reason),
// notes and photos per item, the total live; quick mode lists only the items
// added as failed, full mode every item. Submit is one outbox intent.
import { signal } from '@preact/signals';
import { useState } from 'preact/hooks';
import type { User } from '../app/api-types';
import { Screen } from '../app/common';
import { goBack, navigate, online } from '../app/state';
import { Choice, SitePicker } from '../app/ui';
import type { NewPhoto } from '../db/local';
import { lang, t } from '../i18n';
import { errorText } from '../i18n/errors';
import { PhotoPicker } from '../photos/Photos';
import {
  DEDUCTIONS,
  entriesOf,
  itemProblems,
  itemsFor,
  itemsToSend,
  PASS,
  submitInspection,
  templateOf,
  totalScore,
  vendorsOf,
  zonesOf,
  type Deduction,
  type Inspection,
  type ItemEntry,
  type Mode,
  type ScoredItem,
  type TemplateItem,
} from './store';

export function itemName(i: { label_zh: string; label_en: string }): string {
  return lang.value === 'en' ? i.label_en : i.label_zh;
}

/** What the last submit said, shown on the inspection it opened. */
export const lastSaved = signal<{ id: string; text: string } | null>(null);

type Choice = 'p0' | 'p1' | 'p2' | 'p5';

/** A returned inspection being corrected: the form starts from it and sends it again. */
export interface Again {
  i: Inspection;
  items: ScoredItem[];
  onCancel: () => void;
}

export function InspectScreen({ user, again }: { user: User; again?: Again }) {
  const [siteId, setSiteId] = useState(again ? String(again.i.site_id) : user.sites.length === 1 ? user.sites[0]!.id : '');
  const [vendorId, setVendorId] = useState<number | null>(again?.i.vendor_id ?? null);
  const [zoneId, setZoneId] = useState<number | null>(again?.i.zone_id ?? null);
  const [mode, setMode] = useState<Mode>(again?.i.mode ?? 'quick');
  const [entries, setEntries] = useState<ReadonlyMap<number, ItemEntry>>(() => (again ? entriesOf(again.items) : new Map()));
  const [quickItems, setQuickItems] = useState<number[]>(() => (again ? again.items.filter((x) => x.points_deducted > 0).map((x) => x.item_id) : []));
  const [added, setAdded] = useState<ReadonlyMap<string, NewPhoto>>(new Map());
  const [processing, setProcessing] = useState(0);
  const [showProblems, setShowProblems] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const vendors = siteId ? vendorsOf(siteId) : null;
  const zones = siteId ? zonesOf(siteId) : null;
  const vendor = vendors?.find((v) => v.id === vendorId) ?? null;
  const zone = zones?.find((z) => z.id === zoneId) ?? null;
  const template = vendor ? templateOf(vendor.service) : null;
  const zoneItems = template && zone ? itemsFor(template, zone.kind) : [];
  const shown = mode === 'full' ? zoneItems : zoneItems.filter((i) => quickItems.includes(i.id));
  const problems = itemProblems(shown, entries);
  const score = template ? totalScore(template, new Map(itemsToSend(zoneItems, entries, mode).map(({ item, entry }) => [item.id, entry]))) : null;

  const entry = (id: number) => entries.get(id) ?? PASS;
  const setEntry = (id: number, e: Partial<ItemEntry>) => setEntries((prev) => new Map(prev).set(id, { ...(prev.get(id) ?? PASS), ...e }));
  const addPhoto = (id: number, p: NewPhoto) => {
    setAdded((prev) => new Map(prev).set(p.hash, p));
    setEntries((prev) => {
      const e = prev.get(id) ?? PASS;
      return e.photos.includes(p.hash) ? prev : new Map(prev).set(id, { ...e, photos: [...e.photos, p.hash] });
    });
  };
  const reset = () => {
    setEntries(new Map());
    setQuickItems([]);
    setShowProblems(false);
  };

  async function submit() {
    if (busy || !vendor || !zone || !template || processing > 0) return;
    if (problems.size > 0) {
      setShowProblems(true);
      setError(t('vendors.fix_items'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const id = await submitInspection({ site_id: Number(siteId), vendor, zone, template, mode, entries, at: new Date() }, [...added.values()], again?.i.id);
      again?.onCancel();
      // Every save says it saved; "syncs when online" only when it will wait.
      lastSaved.value = { id, text: online.value ? t('vendors.saved') : t('vendors.saved_offline') };
      navigate({ name: 'inspection', id }, true);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  const missing = siteId !== '' && (vendors === null || zones === null);
  return (
    <Screen title={again ? t('vendors.again_title') : t('vendors.new_title')} back={again ? again.onCancel : () => goBack('inspections')}>
      {again?.i.review_comment && (
        <p class="notice" data-testid="inspect-returned-comment">
          {t('vendors.returned_comment', { text: again.i.review_comment })}
        </p>
      )}
      <section class="card form" data-testid="inspect-form">
        {/* A resubmission keeps its site and vendor (the server refuses a change). */}
        {!again && <SitePicker sites={user.sites} value={siteId} onChange={(v) => (setSiteId(v), setVendorId(null), setZoneId(null), reset())} id="i-site" testid="inspect-site" first="choose" />}
        {missing && <p class="notice">{t('vendors.no_data')}</p>}
        {vendors && vendors.length === 0 && <p class="muted">{t('vendors.no_vendors')}</p>}
        {vendors && vendors.length > 0 && (
          <>
            <label for="i-vendor">{t('vendors.vendor')}</label>
            <select id="i-vendor" disabled={!!again} value={vendorId ?? ''} onChange={(e) => (setVendorId(Number(e.currentTarget.value) || null), reset())} data-testid="inspect-vendor">
              <option value="">{t('common.choose')}</option>
              {vendors.map((v) => (
                <option key={v.id} value={v.id}>
                  {v.name}（{t(`vendors.service.${v.service}`)}）
                </option>
              ))}
            </select>
          </>
        )}
        {zones && zones.length > 0 && vendor && (
          <>
            <label for="i-zone">{t('vendors.zone')}</label>
            <select id="i-zone" value={zoneId ?? ''} onChange={(e) => (setZoneId(Number(e.currentTarget.value) || null), reset())} data-testid="inspect-zone">
              <option value="">{t('common.choose')}</option>
              {zones.map((z) => (
                <option key={z.id} value={z.id}>
                  {z.name}
                </option>
              ))}
            </select>
          </>
        )}
        {vendor && !template && <p class="notice">{t('vendors.no_data')}</p>}
        {zone && template && (
          <>
            <span class="field-label">{t('vendors.mode')}</span>
            <Choice<Mode>
              value={mode}
              label={t('vendors.mode')}
              options={[
                { value: 'quick', label: t('vendors.mode.quick') },
                { value: 'full', label: t('vendors.mode.full') },
              ]}
              onChange={setMode}
              testids={{ quick: 'mode-quick', full: 'mode-full' }}
            />
          </>
        )}
      </section>

      {zone && template && (
        <>
          <section class="card">
            <ol class="checklist">
              {shown.map((item) => (
                <ItemScoreRow
                  key={item.id}
                  item={item}
                  e={entry(item.id)}
                  quick={mode === 'quick'}
                  problem={showProblems ? problems.get(item.id) ?? null : null}
                  added={added}
                  onChange={(e) => setEntry(item.id, e)}
                  onRemove={() => (setQuickItems((q) => q.filter((x) => x !== item.id)), setEntry(item.id, PASS))}
                  onPhoto={(p) => addPhoto(item.id, p)}
                  onBusy={(d) => setProcessing((n) => n + d)}
                />
              ))}
            </ol>
            {mode === 'quick' && shown.length === 0 && <p class="muted">{t('vendors.no_failed')}</p>}
            {mode === 'quick' && zoneItems.length > shown.length && (
              <>
                <label for="i-add" class="field-label">
                  {t('vendors.add_failed')}
                </label>
                <select
                  id="i-add"
                  value=""
                  data-testid="inspect-add-failed"
                  onChange={(e) => {
                    const id = Number(e.currentTarget.value);
                    if (!id) return;
                    setQuickItems((q) => [...q, id]);
                    // Added as failed: the smallest deduction until another is picked.
                    setEntry(id, { points: 1 });
                  }}
                >
                  <option value="">{t('vendors.add_failed_choose')}</option>
                  {zoneItems
                    .filter((i) => !quickItems.includes(i.id))
                    .map((i) => (
                      <option key={i.id} value={i.id}>
                        {itemName(i)}
                      </option>
                    ))}
                </select>
              </>
            )}
          </section>

          <section class="card sticky-actions">
            <p class="summary" data-testid="inspect-total" data-score={score?.total ?? ''}>
              {t('vendors.total')} <strong>{score?.total}</strong>
              {score && score.critical > 0 && <span class="warn"> {t('vendors.total_capped', { n: template.critical_cap_score })}</span>}
            </p>
            {error && (
              <p class="error" role="alert" data-testid="inspect-error">
                {error}
              </p>
            )}
            <button type="button" class="btn btn-primary btn-block" disabled={busy || processing > 0} onClick={() => void submit()} data-testid="inspect-submit">
              {t('vendors.submit')}
            </button>
          </section>
        </>
      )}
    </Screen>
  );
}

function ItemScoreRow({
  item,
  e,
  quick,
  problem,
  added,
  onChange,
  onRemove,
  onPhoto,
  onBusy,
}: {
  item: TemplateItem;
  e: ItemEntry;
  quick: boolean;
  problem: string | null;
  added: ReadonlyMap<string, NewPhoto>;
  onChange: (e: Partial<ItemEntry>) => void;
  onRemove: () => void;
  onPhoto: (p: NewPhoto) => void;
  onBusy: (d: number) => void;
}) {
  // Quick mode lists failed items only: no 合格 there (remove the item instead).
  const options = [...(quick ? [] : [{ value: 'p0' as Choice, label: t('vendors.pass') }]), ...DEDUCTIONS.filter((d) => d <= item.max_points).map((d) => ({ value: `p${d}` as Choice, label: t('vendors.minus', { n: d }) }))];
  const failed = e.points > 0;
  return (
    <li class={failed ? 'check-item check-fail' : 'check-item'} data-testid="inspect-item" data-item={item.id} data-code={item.code} data-points={e.points}>
      <p class="check-label">
        {itemName(item)} <span class="muted">{t('vendors.points', { n: item.max_points })}</span>
        {item.critical && <span class="chip chip-late"> {t('vendors.critical')}</span>}
        {item.photo_required && <span class="chip"> {t('vendors.photo_needed')}</span>}
      </p>
      <Choice<Choice> value={`p${e.points}` as Choice} label={itemName(item)} options={options} onChange={(v) => onChange({ points: Number(v.slice(1)) as Deduction })} testids={{ p0: 'item-pass', p1: 'item-minus-1', p2: 'item-minus-2', p5: 'item-minus-5' }} />
      {failed && (
        <div class="form">
          <label>
            {t('vendors.reason')}
            <input type="text" maxLength={200} value={e.reason} onInput={(ev) => onChange({ reason: ev.currentTarget.value })} data-testid="item-reason" />
          </label>
        </div>
      )}
      <div class="form">
        <label>
          {t('vendors.note')}
          <input type="text" maxLength={2000} value={e.note} onInput={(ev) => onChange({ note: ev.currentTarget.value })} data-testid="item-note" />
        </label>
      </div>
      <PhotoPicker
        hashes={e.photos}
        added={added}
        onAdd={onPhoto}
        onRemove={(h) => onChange({ photos: e.photos.filter((x) => x !== h) })}
        onBusy={onBusy}
        inputTestId="item-photo"
        galleryTestId="item-photo-gallery"
      />
      {problem && (
        <p class="field-error" role="alert" data-testid="item-problem" data-code={problem}>
          {t(`vendors.problem.${problem}` as 'vendors.problem.photo_required')}
        </p>
      )}
      {quick && (
        <button type="button" class="btn btn-link" onClick={onRemove} data-testid="item-remove">
          {t('vendors.remove')}
        </button>
      )}
    </li>
  );
}
