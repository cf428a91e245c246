// The shared QR scanner (camera, decoders, typed fallback): infrastructure any feature can use.
// The in-app scanner: the back camera through getUserMedia, a frame decoded
// every ~200 ms, and a typed code as the fallback (no camera, no permission,
// a torn tag). Calls `onResult` with the first text read; the caller decides
// what it names (src/scan/token.ts).
import { useEffect, useRef, useState } from 'preact/hooks';
import './texts';
import { t } from '../i18n';
import { createDecoder } from './decode';

const FRAME_MS = 200;
const MAX_EDGE = 800;

type CamState = 'starting' | 'scanning' | 'no_camera' | 'denied' | 'failed';

export function Scanner({ onResult, onClose, hint }: { onResult: (text: string) => void; onClose: () => void; hint?: string }) {
  const video = useRef<HTMLVideoElement>(null);
  const [state, setState] = useState<CamState>('starting');
  const [typed, setTyped] = useState('');
  const done = useRef(false);

  const finish = (text: string) => {
    if (done.current) return;
    done.current = true;
    onResult(text);
  };

  useEffect(() => {
    let stream: MediaStream | null = null;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let live = true;
    const canvas = document.createElement('canvas');
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    void (async () => {
      if (!navigator.mediaDevices?.getUserMedia || !ctx) {
        setState('no_camera');
        return;
      }
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
      } catch (err) {
        const name = err instanceof DOMException ? err.name : '';
        setState(name === 'NotAllowedError' || name === 'SecurityError' ? 'denied' : 'no_camera');
        return;
      }
      if (!live) {
        stream.getTracks().forEach((t) => t.stop());
        return;
      }
      const v = video.current!;
      v.srcObject = stream;
      try {
        await v.play();
      } catch {
        // autoplay refused: the muted inline video still gets frames in practice
      }
      let decoder: Awaited<ReturnType<typeof createDecoder>>;
      try {
        decoder = await createDecoder();
      } catch {
        if (live) setState('failed');
        return;
      }
      if (!live) return;
      setState('scanning');
      const tick = async () => {
        if (!live || done.current) return;
        if (v.readyState >= 2 && v.videoWidth > 0) {
          const scale = Math.min(1, MAX_EDGE / Math.max(v.videoWidth, v.videoHeight));
          canvas.width = Math.round(v.videoWidth * scale);
          canvas.height = Math.round(v.videoHeight * scale);
          ctx.drawImage(v, 0, 0, canvas.width, canvas.height);
          try {
            const found = await decoder.decode(canvas, ctx);
            if (found.length && live) {
              finish(found[0]!);
              return;
            }
          } catch {
            // a frame that cannot be read: try the next one
          }
        }
        if (live) timer = setTimeout(() => void tick(), FRAME_MS);
      };
      void tick();
    })();
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
      stream?.getTracks().forEach((t) => t.stop());
    };
  }, []);

  function submitTyped(e: Event) {
    e.preventDefault();
    const v = typed.trim();
    if (v) finish(v);
  }

  const message =
    state === 'starting'
      ? t('scan.starting')
      : state === 'scanning'
        ? hint ?? t('scan.aim')
        : state === 'denied'
          ? t('scan.denied')
          : state === 'no_camera'
            ? t('scan.no_camera')
            : t('scan.failed');

  return (
    <div class="scanner" role="dialog" aria-modal="true" aria-label={t('scan.title')} data-testid="scanner" data-state={state}>
      <div class="scanner-bar">
        <h2 class="scanner-title">{t('scan.title')}</h2>
        <button type="button" class="btn btn-light" onClick={onClose} data-testid="scan-close">
          {t('common.close')}
        </button>
      </div>
      <div class="scanner-view">
        <video ref={video} class="scanner-video" muted playsInline autoPlay aria-label={t('scan.camera')} data-testid="scan-video" />
        <div class="scanner-frame" aria-hidden="true" />
      </div>
      <p class={state === 'scanning' || state === 'starting' ? 'scanner-msg' : 'scanner-msg scanner-msg-warn'} role="status">
        {message}
      </p>
      <form class="scanner-typed" onSubmit={submitTyped}>
        <label for="scan-code">{t('scan.typed_label')}</label>
        <div class="inline-field">
          <input
            id="scan-code"
            type="text"
            autoCapitalize="characters"
            autoComplete="off"
            spellcheck={false}
            value={typed}
            onInput={(e) => setTyped(e.currentTarget.value)}
            data-testid="scan-code-input"
          />
          <button type="submit" class="btn btn-primary" disabled={typed.trim() === ''} data-testid="scan-code-submit">
            {t('scan.typed_go')}
          </button>
        </div>
      </form>
    </div>
  );
}
