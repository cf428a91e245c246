import { useEffect, useState } from 'preact/hooks';
import { lang, t } from '../i18n';
import { lastError, syncing } from '../sync/status';
import { failureText, NoticeItem, Screen } from './common';
import { deviceId, failedPhotos, lastSyncedAt, notices, pendingCount, pendingRows, queuedPhotos, retryFailedPhotos, syncNow } from './data';
import { errorText } from '../i18n/errors';
import { uploadProgress } from '../photos/status';
import { PhotoThumb } from '../photos/Photos';
import { bytes, dateTime } from './format';
import { mutationLabel } from './labels';
import { goBack, online } from './state';
import { ConflictList } from '../conflicts/Badge';
import { conflicts, recordName } from '../conflicts/store';
import { sideOf } from '../conflicts/conflict';
import { me } from './data';

interface StorageInfo {
  usage?: number;
  quota?: number;
  persisted: boolean | null;
}

async function readStorage(): Promise<StorageInfo> {
  const s = typeof navigator === 'undefined' ? undefined : navigator.storage;
  const info: StorageInfo = { persisted: null };
  try {
    if (s?.estimate) Object.assign(info, await s.estimate());
    if (s?.persisted) info.persisted = await s.persisted();
  } catch {
    // not available (private mode, old browser): show what we have
  }
  return info;
}

function isIos(): boolean {
  return typeof navigator !== 'undefined' && /iPad|iPhone|iPod/.test(navigator.userAgent);
}

function isStandalone(): boolean {
  return (
    typeof matchMedia === 'function' &&
    (matchMedia('(display-mode: standalone)').matches || (navigator as Navigator & { standalone?: boolean }).standalone === true)
  );
}

export function SyncPage() {
  const l = lang.value;
  const [storage, setStorage] = useState<StorageInfo | null>(null);
  const pending = pendingRows.value;
  const rejected = notices.value.filter((n) => n.kind === 'rejected');
  const err = lastError.value;
  const synced = lastSyncedAt.value;

  useEffect(() => {
    void readStorage().then(setStorage);
  }, [pendingCount.value]);

  async function persist() {
    try {
      await navigator.storage?.persist?.();
    } finally {
      setStorage(await readStorage());
    }
  }

  return (
    <Screen title={t('sync.title')} back={() => goBack('home')}>
      <section class="card" aria-labelledby="sync-status-h">
        <h2 id="sync-status-h">{t('sync.status')}</h2>
        <dl class="kvs">
          <div class="kv">
            <dt>{t('common.pending')}</dt>
            <dd data-testid="pending-count">{pendingCount.value}</dd>
          </div>
          <div class="kv">
            <dt>{t('sync.last_synced')}</dt>
            <dd data-testid="last-synced" data-value={synced ?? ''}>
              {synced ? dateTime(synced, l) : t('sync.never')}
            </dd>
          </div>
        </dl>
        {!online.value && <p class="notice">{t('sync.offline_note')}</p>}
        {err && (
          <p class="error" role="alert" data-testid="sync-error" data-kind={err.kind}>
            {failureText(err)}
          </p>
        )}
        <button
          type="button"
          class="btn btn-primary btn-block"
          onClick={() => void syncNow()}
          disabled={syncing.value}
          aria-busy={syncing.value}
          data-testid="sync-now"
        >
          {syncing.value ? t('sync.syncing') : t('sync.now')}
        </button>
      </section>

      <PhotoUploads />

      <section class="card" aria-labelledby="sync-pending-h">
        <h2 id="sync-pending-h">{t('sync.pending_list')}</h2>
        {pending.length === 0 ? (
          <p class="muted">{t('sync.nothing_pending')}</p>
        ) : (
          <ul class="plain-list">
            {pending.map((r) => (
              <li key={r.id} data-testid="pending-item" data-name={r.name} data-seq={r.seq}>
                <span data-testid="pending-what">
                  {t('sync.pending_what', { what: mutationLabel(r.name), record: recordName({ collection: r.collection, record_id: r.record_id }, r.args) })}
                </span>
                <span class="muted">
                  #{r.seq} · {dateTime(r.created_at, l)} · {r.state === 'sending' ? t('state.sending') : t('common.pending')}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section class="card" aria-labelledby="sync-rejected-h">
        <h2 id="sync-rejected-h">{t('sync.rejected_list')}</h2>
        {rejected.length === 0 ? (
          <p class="muted">{t('sync.none')}</p>
        ) : (
          <ul class="notices">
            {rejected.map((n) => (
              <NoticeItem key={n.id} n={n} />
            ))}
          </ul>
        )}
      </section>

      <section class="card" aria-labelledby="sync-mine-conflicts-h">
        <h2 id="sync-mine-conflicts-h">{t('sync.conflicts_title')}</h2>
        <ConflictList list={conflicts.value.filter((c) => sideOf(c, me.value) !== 'between')} testid="my-conflicts" />
      </section>

      {conflicts.value.some((c) => sideOf(c, me.value) === 'between') && (
        <section class="card" aria-labelledby="sync-site-conflicts-h">
          <h2 id="sync-site-conflicts-h">{t('sync.conflicts_site')}</h2>
          <ConflictList list={conflicts.value.filter((c) => sideOf(c, me.value) === 'between')} testid="site-conflicts" />
        </section>
      )}

      <section class="card" aria-labelledby="sync-device-h">
        <h2 id="sync-device-h">{t('sync.device')}</h2>
        <dl class="kvs">
          <div class="kv">
            <dt>{t('sync.storage_used')}</dt>
            <dd data-testid="storage-used">
              {storage ? t('sync.storage_of', { used: bytes(storage.usage, l), quota: bytes(storage.quota, l) }) : '…'}
            </dd>
          </div>
          <div class="kv">
            <dt>{t('sync.persistent')}</dt>
            <dd data-testid="storage-persisted">
              {storage?.persisted === true
                ? t('sync.persistent_yes')
                : storage?.persisted === false
                  ? t('sync.persistent_no')
                  : t('sync.persistent_unknown')}
            </dd>
          </div>
          <div class="kv">
            <dt>{t('sync.app_version')}</dt>
            <dd data-testid="app-version">{__APP_VERSION__}</dd>
          </div>
          <div class="kv">
            <dt>{t('sync.device_id')}</dt>
            <dd class="mono" data-testid="device-id">
              {deviceId.value ?? '…'}
            </dd>
          </div>
        </dl>
        {storage?.persisted === false && (
          <button type="button" class="btn btn-light-outline btn-block" onClick={() => void persist()} data-testid="request-persist">
            {t('sync.request_persist')}
          </button>
        )}
        {isIos() && !isStandalone() && <p class="notice">{t('sync.ios_install')}</p>}
      </section>
    </Screen>
  );
}

/** Photos on their way to the server: X of Y and bytes while sending, else how many wait; refusals with their reason. */
function PhotoUploads() {
  const l = lang.value;
  const queued = queuedPhotos.value;
  const failed = failedPhotos.value;
  const p = uploadProgress.value;
  const waitingBytes = queued.reduce((n, r) => n + r.size, 0);
  return (
    <section class="card" aria-labelledby="sync-photos-h">
      <h2 id="sync-photos-h">{t('sync.photos')}</h2>
      {p || queued.length > 0 ? (
        <div
          data-testid="photo-upload-progress"
          data-done={p?.done ?? 0}
          data-total={p?.total ?? queued.length}
          data-waiting={queued.length}
          role="status"
        >
          <p>
            {p
              ? t('sync.photos_progress', { done: p.done, total: p.total, sent: bytes(p.sentBytes, l), size: bytes(p.totalBytes, l) })
              : t('sync.photos_waiting', { n: queued.length, size: bytes(waitingBytes, l) })}
          </p>
          {p && (
            <progress max={p.totalBytes || 1} value={p.sentBytes} class="photo-progress">
              {Math.round((p.sentBytes / (p.totalBytes || 1)) * 100)}%
            </progress>
          )}
          {!p && queued.some((r) => r.error) && <p class="muted hint">{errorText(queued.find((r) => r.error)!.error)}</p>}
        </div>
      ) : (
        <p class="muted">{t('sync.photos_none')}</p>
      )}
      {failed.length > 0 && (
        <>
          <h3 class="subhead">{t('sync.photos_failed')}</h3>
          <ul class="plain-list">
            {failed.map((r) => (
              <li key={r.hash} class="photo-failed" data-testid="photo-failed" data-hash={r.hash} data-code={r.error?.code ?? ''}>
                <PhotoThumb hash={r.hash} />
                <span>{errorText(r.error ?? {})}</span>
              </li>
            ))}
          </ul>
          <button type="button" class="btn btn-light-outline" onClick={() => void retryFailedPhotos()} data-testid="photo-retry">
            {t('sync.photos_retry')}
          </button>
        </>
      )}
    </section>
  );
}
