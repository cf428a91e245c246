// Photos in the views: thumbnails (from the local copy until the server has
// the photo, then the server's thumbnail through the service worker's cache),
// the picker of the finding form, and the viewer (loaded on first use).
import './texts';
import { signal } from '@preact/signals';
import type { ComponentType } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { NewPhoto } from '../db/local';
import { t } from '../i18n';
import { errorText } from '../i18n/errors';
import { mediaPath } from './paths';
import { localPhoto, localPhotos } from '../app/data';

export const MAX_PHOTOS_PER_FIELD = 50;

export type PhotoSource = 'loading' | 'local' | 'server' | 'missing';

/**
 * Where to show a photo from. A thumbnail: the local copy while the server
 * lacks it, else `/api/media/<hash>?size=thumb` (falling back to the local
 * copy when that fails, offline say). A full image: the local copy when
 * there is one, else the server's. Object URLs are revoked on unmount.
 * A photo shown nowhere yet (another phone has not uploaded it) is tried
 * again after a while.
 */
export function usePhotoSrc(hash: string, kind: 'thumb' | 'full', blob?: Blob) {
  const state = localPhotos.value.get(hash)?.state ?? null;
  const [serverFailed, setServerFailed] = useState(false);
  const [tries, setTries] = useState(0);
  const [res, setRes] = useState<{ src: string | null; source: PhotoSource }>({ src: null, source: 'loading' });

  useEffect(() => {
    let url: string | null = null;
    let live = true;
    const fromBlob = (b: Blob) => {
      url = URL.createObjectURL(b);
      setRes({ src: url, source: 'local' });
    };
    void (async () => {
      if (blob) return fromBlob(blob);
      if (kind === 'full' || state !== 'uploaded' || serverFailed) {
        const row = await localPhoto(hash).catch(() => null);
        if (!live) return;
        if (row && (kind === 'full' || !row.uploaded || serverFailed)) return fromBlob(row.bytes);
      }
      if (serverFailed) setRes({ src: null, source: 'missing' });
      else setRes({ src: mediaPath(hash, kind === 'thumb' ? 'thumb' : undefined), source: 'server' });
    })();
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [hash, kind, blob, state, serverFailed, tries]);

  useEffect(() => {
    if (res.source !== 'missing') return;
    const timer = setTimeout(
      () => {
        setServerFailed(false);
        setTries((n) => n + 1);
      },
      Math.min(5 * 60_000, 5_000 * 2 ** tries),
    );
    return () => clearTimeout(timer);
  }, [res.source, tries]);

  const onError = () => {
    if (res.source === 'server') setServerFailed(true);
    else if (res.source === 'local') setRes({ src: null, source: 'missing' });
  };
  return { ...res, tries, onError, state };
}

export function PhotoThumb({ hash, blob, onOpen, label }: { hash: string; blob?: Blob; onOpen?: () => void; label?: string }) {
  const { src, source, tries, onError, state } = usePhotoSrc(hash, 'thumb', blob);
  const body = (
    <>
      {src ? <img key={`${tries}|${src}`} src={src} alt={label ?? ''} decoding="async" onError={onError} /> : <span class="photo-missing">{source === 'missing' ? t('photos.missing') : ''}</span>}
      {!blob && state === 'queued' && <span class="photo-badge">{t('photos.waiting')}</span>}
      {!blob && state === 'failed' && <span class="photo-badge photo-badge-failed">{t('photos.failed')}</span>}
    </>
  );
  return onOpen ? (
    <button type="button" class="photo-thumb" onClick={onOpen} aria-label={label} data-testid="photo-thumb" data-hash={hash} data-source={source}>
      {body}
    </button>
  ) : (
    <span class="photo-thumb" data-testid="photo-thumb" data-hash={hash} data-source={source}>
      {body}
    </span>
  );
}

/** A record's photos as thumbnails; a tap opens the viewer. */
export function PhotoStrip({ hashes, testid }: { hashes: string[]; testid?: string }) {
  if (hashes.length === 0) return null;
  return (
    <ul class="photo-strip" data-testid={testid}>
      {hashes.map((h, i) => (
        <li key={h}>
          <PhotoThumb hash={h} onOpen={() => openViewer(hashes, i)} label={t('photos.open', { n: i + 1 })} />
        </li>
      ))}
    </ul>
  );
}

// ---- the picker of the finding form --------------------------------------------

/**
 * "拍照" (the camera) and "相册" (several from the gallery) for one photo set
 * field. Picked files are made ready at once (in a worker); they are stored
 * only when the form is saved, with its mutation (rule 9).
 */
export function PhotoPicker({
  hashes,
  added,
  onAdd,
  onRemove,
  onBusy,
  disabled,
  inputTestId,
  galleryTestId,
}: {
  hashes: string[];
  added: ReadonlyMap<string, NewPhoto>;
  onAdd: (p: NewPhoto) => void;
  onRemove: (hash: string) => void;
  onBusy: (delta: number) => void;
  disabled?: boolean;
  inputTestId: string;
  galleryTestId: string;
}) {
  const [busy, setBusy] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const have = useRef(hashes);
  have.current = hashes;

  async function pick(input: HTMLInputElement) {
    const files = input.files ? [...input.files] : [];
    input.value = ''; // the same photo may be picked again later
    if (files.length === 0) return;
    const room = MAX_PHOTOS_PER_FIELD - have.current.length;
    const take = files.slice(0, Math.max(0, room));
    setError(take.length < files.length ? t('photos.too_many', { n: MAX_PHOTOS_PER_FIELD }) : null);
    if (take.length === 0) return;
    setBusy((n) => n + take.length);
    onBusy(take.length);
    let bad: unknown = null;
    let badCount = 0;
    try {
      const { preparePicked } = await import('./prepare');
      for (const file of take) {
        try {
          onAdd(await preparePicked(file));
        } catch (err) {
          bad = err;
          badCount++;
        } finally {
          setBusy((n) => n - 1);
          onBusy(-1);
        }
      }
    } catch (err) {
      // the code could not be loaded (an update removed it): nothing was made
      setBusy((n) => n - take.length);
      onBusy(-take.length);
      bad = err;
      badCount = take.length;
    }
    if (badCount) setError(badCount === 1 ? errorText(bad) : t('photos.read_failed', { n: badCount }));
  }

  return (
    <div class="photo-picker">
      {hashes.length > 0 && (
        <ul class="photo-strip">
          {hashes.map((h, i) => (
            <li key={h} class="photo-item">
              <PhotoThumb hash={h} blob={added.get(h)?.bytes} label={t('photos.open', { n: i + 1 })} />
              {!disabled && (
                <button type="button" class="photo-remove" onClick={() => onRemove(h)} aria-label={t('photos.remove')} title={t('photos.remove')}>
                  ×
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {!disabled && (
        <div class="photo-actions">
          <label class="btn btn-light-outline photo-button">
            {t('photos.take')}
            <input
              type="file"
              accept="image/*"
              capture="environment"
              class="sr-only"
              onChange={(e) => void pick(e.currentTarget)}
              data-testid={inputTestId}
            />
          </label>
          <label class="btn btn-light-outline photo-button">
            {t('photos.choose')}
            <input type="file" accept="image/*" multiple class="sr-only" onChange={(e) => void pick(e.currentTarget)} data-testid={galleryTestId} />
          </label>
        </div>
      )}
      {busy > 0 && (
        <p class="muted hint" role="status">
          {t('photos.processing')}
        </p>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

// ---- the viewer ---------------------------------------------------------------

export interface ViewerState {
  hashes: string[];
  index: number;
}

export const viewer = signal<ViewerState | null>(null);

type ViewerProps = ViewerState & { onClose: () => void };
let loaded: ComponentType<ViewerProps> | null = null;

export function openViewer(hashes: string[], index: number): void {
  viewer.value = { hashes, index };
  // The phone's back button closes the viewer instead of leaving the screen.
  if (typeof history !== 'undefined') history.pushState({ fieldkeep: true, viewer: true }, '', location.href);
}

function closeViewer(): void {
  if (!viewer.value) return;
  const st: unknown = typeof history === 'undefined' ? null : history.state;
  if (typeof st === 'object' && st !== null && 'viewer' in st) history.back(); // popstate closes it
  else viewer.value = null;
}

/** Renders the full-screen viewer when one is open; its code is loaded on first use. */
export function ViewerHost() {
  const v = viewer.value;
  const [Comp, setComp] = useState<ComponentType<ViewerProps> | null>(() => loaded);
  useEffect(() => {
    const onPop = () => {
      const st: unknown = history.state;
      if (viewer.value && !(typeof st === 'object' && st !== null && 'viewer' in st)) viewer.value = null;
    };
    addEventListener('popstate', onPop);
    return () => {
      removeEventListener('popstate', onPop);
      viewer.value = null; // signed out with the viewer open: not open again at the next sign-in
    };
  }, []);
  useEffect(() => {
    if (!v || Comp) return;
    void import('./Viewer').then((m) => {
      loaded = m.PhotoViewer;
      setComp(() => m.PhotoViewer);
    });
  }, [v, Comp]);
  if (!v || !Comp) return null;
  return <Comp key={v.hashes.join()} hashes={v.hashes} index={v.index} onClose={closeViewer} />;
}
