// The inspector's inspections (pulled, with this phone's queued ones) with their
// status and score, and one inspection's results.
import type { User } from '../app/api-types';
import { Link, Screen } from '../app/common';
import { memberName, ready } from '../app/data';
import { siteName } from '../app/site';
import { goBack } from '../app/state';
import { Kv, RecordNotices, when } from '../app/ui';
import { t } from '../i18n';
import { PhotoStrip } from '../photos/Photos';
import { itemName, lastSaved } from './Inspect';
import { inspections, itemsOfInspection, type Inspection } from './store';

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
export function InspectionBody({ i }: { i: Inspection }) {
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
        {i.status === 'rejected' && i.review_comment && <p class="notice">{t('vendors.returned_comment', { text: i.review_comment })}</p>}
      </section>
      <section class="card">
        <h2>{t('vendors.items')}</h2>
        {failed.length === 0 ? (
          <p class="muted">{i.status === 'queued' ? t('vendors.status.queued') : t('vendors.all_passed')}</p>
        ) : (
          <ol class="checklist">
            {failed.map((x) => (
              <li key={x.item_id} class="check-item check-fail" data-testid="inspection-item">
                <p class="check-label">
                  {itemName(x)} <span class="chip result-fail">{t('vendors.minus', { n: x.points_deducted })}</span>
                </p>
                {x.reason && <p class="check-note">{x.reason}</p>}
                {x.note && <p class="check-note">{x.note}</p>}
                <PhotoStrip hashes={x.photos} />
              </li>
            ))}
          </ol>
        )}
      </section>
    </>
  );
}

export function InspectionScreen({ id }: { id: string }) {
  const i = inspections.value.find((x) => x.id === id) ?? null;
  const said = lastSaved.value?.id === id ? lastSaved.value.text : null;
  return (
    <Screen title={t('vendors.title')} back={() => goBack('inspections')}>
      {said && (
        <p class="saved" role="status" data-testid="inspect-saved">
          {said}
        </p>
      )}
      <RecordNotices recordId={id} />
      {i ? <InspectionBody i={i} /> : <p class="muted">{ready.value ? t('vendors.missing') : t('common.loading')}</p>}
    </Screen>
  );
}
