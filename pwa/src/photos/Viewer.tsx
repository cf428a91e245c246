// The full-screen photo viewer (loaded on first use): pinch to zoom and pan
// with two fingers (pointer events), drag to pan when zoomed, double-tap (or
// double-click) to zoom in and out, the mouse wheel on a desktop. Shows when
// the photo was taken and, once the server has it, who uploaded it and where.
import './texts';
import { useEffect, useRef, useState } from 'preact/hooks';
import { lang, t } from '../i18n';
import type { MediaInfo } from '../app/api-types';
import { api } from '../sync/api';
import { localPhotos } from '../app/data';
import { dateTime } from '../app/format';
import { online } from '../app/state';
import { usePhotoSrc } from './Photos';

const MAX_SCALE = 6;
const TAP_SCALE = 2.5;
const DOUBLE_TAP_MS = 300;
const TAP_SLOP = 12;

interface Point {
  x: number;
  y: number;
}

interface Transform {
  s: number;
  x: number;
  y: number;
}

/** Keep the scale in [1, MAX] and the stage covered by the zoomed image box. */
export function clampTransform(tf: Transform, width: number, height: number): Transform {
  const s = Math.min(MAX_SCALE, Math.max(1, tf.s));
  return {
    s,
    x: Math.min(0, Math.max(width - width * s, tf.x)),
    y: Math.min(0, Math.max(height - height * s, tf.y)),
  };
}

/** Zoom to scale `s` keeping the content under `anchor` (stage coordinates) where it is. */
export function zoomAt(tf: Transform, s: number, anchor: Point, to: Point = anchor): Transform {
  const cx = (anchor.x - tf.x) / tf.s;
  const cy = (anchor.y - tf.y) / tf.s;
  return { s, x: to.x - s * cx, y: to.y - s * cy };
}

function useInfo(hash: string): MediaInfo | null {
  const [info, setInfo] = useState<MediaInfo | null>(null);
  const uploaded = localPhotos.value.get(hash)?.state;
  useEffect(() => {
    setInfo(null);
    if (!online.value || uploaded === 'queued' || uploaded === 'failed') return;
    let live = true;
    api.get<MediaInfo>(`/api/media/${hash}/info`).then(
      (i) => {
        if (live) setInfo(i);
      },
      () => undefined, // offline or not on the server yet: what the phone knows
    );
    return () => {
      live = false;
    };
  }, [hash, uploaded]);
  return info;
}

function Slide({ hash }: { hash: string }) {
  const { src, source, onError } = usePhotoSrc(hash, 'full');
  const stage = useRef<HTMLDivElement>(null);
  const img = useRef<HTMLImageElement>(null);
  const tf = useRef<Transform>({ s: 1, x: 0, y: 0 });
  const pointers = useRef(new Map<number, Point>());
  const start = useRef<{ tf: Transform; a: Point; b: Point | null } | null>(null);
  const down = useRef<{ at: number; p: Point; moved: boolean } | null>(null);
  const lastTap = useRef<{ at: number; p: Point } | null>(null);

  const size = () => {
    const r = stage.current?.getBoundingClientRect();
    return { w: r?.width ?? 0, h: r?.height ?? 0, left: r?.left ?? 0, top: r?.top ?? 0 };
  };
  const apply = (next: Transform) => {
    const { w, h } = size();
    tf.current = clampTransform(next, w, h);
    const { s, x, y } = tf.current;
    if (img.current) img.current.style.transform = `translate(${x}px, ${y}px) scale(${s})`;
    if (stage.current) stage.current.dataset.scale = s.toFixed(2);
  };
  const pos = (e: PointerEvent | WheelEvent | MouseEvent): Point => {
    const { left, top } = size();
    return { x: e.clientX - left, y: e.clientY - top };
  };
  /** A new baseline for the gesture: the pointers down now and the transform now. */
  const rebase = () => {
    const ps = [...pointers.current.values()];
    start.current = ps.length ? { tf: { ...tf.current }, a: ps[0]!, b: ps[1] ?? null } : null;
  };

  useEffect(() => apply({ s: 1, x: 0, y: 0 }), [hash]);

  const onPointerDown = (e: PointerEvent) => {
    stage.current?.setPointerCapture(e.pointerId);
    const p = pos(e);
    pointers.current.set(e.pointerId, p);
    if (pointers.current.size === 1) down.current = { at: e.timeStamp, p, moved: false };
    else if (down.current) down.current.moved = true; // a pinch is no tap
    rebase();
  };
  const onPointerMove = (e: PointerEvent) => {
    if (!pointers.current.has(e.pointerId)) return;
    const p = pos(e);
    pointers.current.set(e.pointerId, p);
    const d = down.current;
    if (d && Math.hypot(p.x - d.p.x, p.y - d.p.y) > TAP_SLOP) d.moved = true;
    const st = start.current;
    if (!st) return;
    const ps = [...pointers.current.values()];
    if (ps.length >= 2 && st.b) {
      const [a, b] = ps as [Point, Point];
      const d0 = Math.hypot(st.b.x - st.a.x, st.b.y - st.a.y) || 1;
      const d1 = Math.hypot(b.x - a.x, b.y - a.y);
      const m0 = { x: (st.a.x + st.b.x) / 2, y: (st.a.y + st.b.y) / 2 };
      const m1 = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
      const s = Math.min(MAX_SCALE, Math.max(1, st.tf.s * (d1 / d0)));
      apply(zoomAt(st.tf, s, m0, m1));
    } else if (ps.length === 1 && st.tf.s > 1) {
      apply({ ...st.tf, x: st.tf.x + p.x - st.a.x, y: st.tf.y + p.y - st.a.y });
    }
  };
  const onPointerUp = (e: PointerEvent) => {
    if (!pointers.current.delete(e.pointerId)) return;
    rebase();
    const d = down.current;
    if (pointers.current.size > 0 || !d) return;
    down.current = null;
    if (d.moved || e.type === 'pointercancel') return;
    const p = pos(e);
    const last = lastTap.current;
    if (last && e.timeStamp - last.at < DOUBLE_TAP_MS && Math.hypot(p.x - last.p.x, p.y - last.p.y) < 3 * TAP_SLOP) {
      lastTap.current = null;
      apply(tf.current.s > 1 ? { s: 1, x: 0, y: 0 } : zoomAt(tf.current, TAP_SCALE, p));
    } else {
      lastTap.current = { at: e.timeStamp, p };
    }
  };
  const onWheel = (e: WheelEvent) => {
    e.preventDefault();
    const s = Math.min(MAX_SCALE, Math.max(1, tf.current.s * Math.exp(-e.deltaY * 0.002)));
    apply(zoomAt(tf.current, s, pos(e)));
  };

  return (
    <div
      ref={stage}
      class="viewer-stage"
      data-scale="1.00"
      data-source={source}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={onPointerUp}
      onWheel={onWheel}
    >
      {src ? (
        <img ref={img} src={src} alt="" draggable={false} onError={onError} data-testid="photo-viewer-image" data-hash={hash} />
      ) : (
        <p class="viewer-missing">{source === 'missing' ? t('photos.missing') : t('common.loading')}</p>
      )}
    </div>
  );
}

export function PhotoViewer({ hashes, index, onClose }: { hashes: string[]; index: number; onClose: () => void }) {
  const [i, setI] = useState(Math.min(Math.max(0, index), hashes.length - 1));
  const hash = hashes[i]!;
  const l = lang.value;
  const local = localPhotos.value.get(hash);
  const info = useInfo(hash);
  const taken = info?.taken_at ?? local?.taken_at ?? null;
  const close = useRef<HTMLButtonElement>(null);
  const many = hashes.length > 1;
  const go = (d: number) => setI((n) => (n + d + hashes.length) % hashes.length);

  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    close.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
      else if (e.key === 'ArrowRight' && many) go(1);
      else if (e.key === 'ArrowLeft' && many) go(-1);
    };
    addEventListener('keydown', onKey);
    const overflow = document.body.style.overflow;
    document.body.style.overflow = 'hidden';
    return () => {
      removeEventListener('keydown', onKey);
      document.body.style.overflow = overflow;
      before?.focus?.();
    };
  }, []);

  return (
    <div class="viewer" role="dialog" aria-modal="true" aria-label={t('photos.viewer')} data-testid="photo-viewer" data-hash={hash}>
      <div class="viewer-bar">
        <button ref={close} type="button" class="btn btn-bar" onClick={onClose} data-testid="photo-viewer-close">
          × {t('common.close')}
        </button>
        {many && <span class="viewer-count">{t('photos.counter', { i: i + 1, n: hashes.length })}</span>}
      </div>
      <Slide key={hash} hash={hash} />
      <div class="viewer-info">
        <p data-testid="photo-viewer-taken" data-value={taken ?? ''}>
          {taken !== null ? t('photos.taken_at', { time: dateTime(taken, l) }) : t('photos.taken_unknown')}
        </p>
        {info?.uploader && <p>{t('photos.uploader', { name: info.uploader.display_name || info.uploader.username })}</p>}
        {info && info.gps_lat !== null && info.gps_lon !== null && (
          <p>{t('photos.location', { lat: info.gps_lat.toFixed(5), lon: info.gps_lon.toFixed(5) })}</p>
        )}
        <p class="viewer-hint">{t('photos.zoom_hint')}</p>
        {many && (
          <div class="viewer-nav">
            <button type="button" class="btn btn-bar" onClick={() => go(-1)} data-testid="photo-viewer-prev">
              ‹ {t('photos.prev')}
            </button>
            <button type="button" class="btn btn-bar" onClick={() => go(1)} data-testid="photo-viewer-next">
              {t('photos.next')} ›
            </button>
          </div>
        )}
      </div>
    </div>
  );
}
