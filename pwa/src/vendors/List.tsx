// The inspector's inspections (pulled, with this phone's queued ones) with their
// status and score, and one inspection's results.
import './vendors.css';
import { useState } from 'preact/hooks';
import type { User } from '../app/api-types';
import { Link, Screen } from '../app/common';
import { memberName, ready } from '../app/data';
import { siteName } from '../app/site';
import { goBack, online } from '../app/state';
import { Kv, RecordNotices, when } from '../app/ui';
import type { NewPhoto } from '../db/local';
import { t } from '../i18n';
import { errorText } from '../i18n/errors';
import { PhotoPicker, PhotoStrip } from '../photos/Photos';
import { InspectScreen, itemName, lastSaved } from './Inspect';
import { inspections, itemsOfInspection, verifyQueued, verifyRectification, type Inspection, type ScoredItem } from './store';

export function StatusChip({ i }: { i: Pick<Inspection, 'status'> }) {
  const cls = i.status === 'approved' ? 'chip pstatus-approved' : i.status === 'rejected' ? 'chip pstatus-rejected' : i.status === 'queued' ? 'chip chip-pending' : 'chip pstatus-submitted';
  return (
    <span class={cls} data-testid="inspection-status" data-status={i.status}>
      {t(`vendors.status.${i.status}`)}
    </span>
  );
}

export function InspectionRow({ i, to }: { i: Inspection; to: 'inspection' | 'review-item' }) {
  return (
    <Link to={{ name: to, id: i.id }} class="row" attrs={{ 'data-testid': 'inspection-row', 'data-id': i.id }}>
      <span class="row-top">
        <span class="row-main">
          {i.vendor_name} · {i.zone_name}
        </span>
        {i.score !== null && (
          <span class="chip" data-testid="inspection-score">
            {t('vendors.score_n', { n: i.score })}
          </span>
        )}
        <StatusChip i={i} />
      </span>
      <span class="row-sub">
        {when(i.at)} · {siteName(i.site_id)}
        {to === 'review-item' ? ` · ${memberName(i.author_id)}` : ''}
      </span>
    </Link>
  );
}

export function InspectionsList({ user }: { user: User }) {
  // Mine: queued here (no author yet) or written by me.
  const mine = inspections.value.filter((i) => i.author_id === null || String(i.author_id) === user.id);
  return (
    <Screen title={t('vendors.title')}>
      <Link to="inspection-new" class="btn btn-primary btn-block" testid="inspection-new">
        {t('vendors.new')}
      </Link>
      <section class="card" data-testid="inspection-list">
        <h2>{t('vendors.list')}</h2>
        {mine.length === 0 ? (
          <p class="muted">{ready.value ? t('vendors.none') : t('common.loading')}</p>
        ) : (
          <ul class="rows">
            {mine.map((i) => (
              <li key={i.id}>
                <InspectionRow i={i} to="inspection" />
              </li>
            ))}
          </ul>
        )}
      </section>
    </Screen>
  );
}

/** One inspection's facts and scored items (also the reviewer's view). */
export function InspectionBody({ i, verify = false }: { i: Inspection; verify?: boolean }) {
  const items = itemsOfInspection(i.id);
  const failed = items.filter((x) => x.points_deducted > 0);
  return (
    <>
      <section class="card" data-testid="inspection-detail" data-id={i.id} data-status={i.status}>
        <div class="row-top">
          <StatusChip i={i} />
        </div>
        <h2 class="detail-desc">
          {i.vendor_name} · {i.zone_name}
        </h2>
        <dl class="kvs">
          <Kv label={t('vendors.total')} testid="inspection-detail-score">
            {i.score === null ? '' : t('vendors.score_n', { n: i.score })}
          </Kv>
          <Kv label={t('common.site')}>{siteName(i.site_id)}</Kv>
          <Kv label={t('vendors.at')}>{when(i.at)}</Kv>
          <Kv label={t('vendors.inspector')}>{memberName(i.author_id)}</Kv>
          <Kv label={t('vendors.mode')}>{t(`vendors.mode.${i.mode}`)}</Kv>
        </dl>
        {i.status === 'rejected' && i.review_comment && (
          <p class="notice" data-testid="inspection-returned-comment">
            {t('vendors.returned_comment', { text: i.review_comment })}
          </p>
        )}
      </section>
      <section class="card">
        <h2>{t('vendors.items')}</h2>
        {failed.length === 0 ? (
          <p class="muted">{i.status === 'queued' ? t('vendors.status.queued') : t('vendors.all_passed')}</p>
        ) : (
          <ol class="checklist">
            {failed.map((x) => (
              <ItemResult key={x.item_id} i={i} x={x} verify={verify} />
            ))}
          </ol>
        )}
      </section>
    </>
  );
}

/** One deduction: why, the before-photos and (once verified) the after-photos beside them. */
function ItemResult({ i, x, verify }: { i: Inspection; x: ScoredItem; verify: boolean }) {
  const queued = !x.rectified_at && verifyQueued(i.id, x.item_id);
  return (
    <li class="check-item check-fail" data-testid="inspection-item" data-item={x.item_id} data-rectified={x.rectified_at ? 'yes' : queued ? 'queued' : 'no'}>
      <p class="check-label">
        {itemName(x)} <span class="chip result-fail">{t('vendors.minus', { n: x.points_deducted })}</span>
      </p>
      {x.reason && <p class="check-note">{x.reason}</p>}
      {x.note && <p class="check-note">{x.note}</p>}
      <div class="before-after">
        <figure>
          <figcaption>{t('vendors.before')}</figcaption>
          <PhotoStrip hashes={x.photos} testid="item-before" />
        </figure>
        {x.rectified_at && (
          <figure>
            <figcaption>{t('vendors.after')}</figcaption>
            <PhotoStrip hashes={x.after_photos} testid="item-after" />
          </figure>
        )}
      </div>
      {x.rectified_at ? (
        <p class="check-note" data-testid="item-rectified">
          {t('vendors.rectified', { when: when(x.rectified_at) })}
          {x.after_note ? `：${x.after_note}` : ''}
        </p>
      ) : queued ? (
        <p class="check-note" data-testid="item-rectified">
          {t('vendors.verify_queued')}
        </p>
      ) : (
        x.due_at && <p class="muted">{t('vendors.rectify_by', { when: when(x.due_at) })}</p>
      )}
      {x.finding_id && i.status === 'approved' && (
        <Link to={{ name: 'finding', id: x.finding_id }} class="btn btn-link" testid="item-finding">
          {t('vendors.finding')}
        </Link>
      )}
      {verify && i.status === 'approved' && x.finding_id && !x.rectified_at && !queued && <VerifyForm i={i} x={x} />}
    </li>
  );
}

/** The re-inspection: after-photos (at least one) and a note, sent as inspections.verify. */
function VerifyForm({ i, x }: { i: Inspection; x: ScoredItem }) {
  const [open, setOpen] = useState(false);
  const [note, setNote] = useState('');
  const [added, setAdded] = useState<ReadonlyMap<string, NewPhoto>>(new Map());
  const [processing, setProcessing] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!open) {
    return (
      <button type="button" class="btn btn-light-outline" onClick={() => setOpen(true)} data-testid="item-verify-open">
        {t('vendors.verify')}
      </button>
    );
  }
  async function send() {
    if (busy || processing > 0) return;
    if (added.size === 0) {
      setError(t('vendors.after_photo_needed'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await verifyRectification(i.id, x.item_id, note, [...added.values()], new Date());
      lastSaved.value = { id: i.id, text: online.value ? t('vendors.verify_saved') : t('vendors.saved_offline') };
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  }
  return (
    <div class="form" data-testid="item-verify">
      <span class="field-label">{t('vendors.after_photos')}</span>
      <PhotoPicker
        hashes={[...added.keys()]}
        added={added}
        onAdd={(p) => setAdded((prev) => new Map(prev).set(p.hash, p))}
        onRemove={(h) => setAdded((prev) => new Map([...prev].filter(([k]) => k !== h)))}
        onBusy={(d) => setProcessing((n) => n + d)}
        inputTestId="verify-photo"
        galleryTestId="verify-photo-gallery"
      />
      <label>
        {t('vendors.after_note')}
        <input type="text" maxLength={2000} value={note} onInput={(e) => setNote(e.currentTarget.value)} data-testid="verify-note" />
      </label>
      {error && (
        <p class="field-error" role="alert" data-testid="verify-error">
          {error}
        </p>
      )}
      <button type="button" class="btn btn-primary" disabled={busy || processing > 0} onClick={() => void send()} data-testid="item-verify-send">
        {t('vendors.verify_send')}
      </button>
    </div>
  );
}

export function InspectionScreen({ id, user }: { id: string; user: User }) {
  const i = inspections.value.find((x) => x.id === id) ?? null;
  const said = lastSaved.value?.id === id ? lastSaved.value.text : null;
  const [correcting, setCorrecting] = useState(false);
  // A returned inspection goes back to its author, who corrects it and sends it again.
  const mine = i !== null && String(i.author_id) === user.id;
  if (i && correcting && i.status === 'rejected' && mine) {
    return <InspectScreen user={user} again={{ i, items: itemsOfInspection(i.id), onCancel: () => setCorrecting(false) }} />;
  }
  return (
    <Screen title={t('vendors.title')} back={() => goBack('inspections')}>
      {said && (
        <p class="saved" role="status" data-testid="inspect-saved">
          {said}
        </p>
      )}
      <RecordNotices recordId={id} />
      {i ? <InspectionBody i={i} verify /> : <p class="muted">{ready.value ? t('vendors.missing') : t('common.loading')}</p>}
      {i?.status === 'rejected' && mine && (
        <button type="button" class="btn btn-primary btn-block" onClick={() => setCorrecting(true)} data-testid="inspection-correct">
          {t('vendors.correct')}
        </button>
      )}
    </Screen>
  );
}
