import { LANGUAGES, lang, t } from '../i18n';
import { applyUpdate, online } from './state';
import { chooseLang } from './session';

export function OfflineBadge() {
  if (online.value) return null;
  return (
    <span class="badge-offline" role="status" title={t('net.offline_hint')} data-testid="offline-badge">
      {t('net.offline')}
    </span>
  );
}

export function UpdateBanner() {
  const apply = applyUpdate.value;
  if (!apply) return null;
  return (
    <div class="update-banner" role="status" data-testid="update-banner">
      <span>{t('update.available')}</span>
      <button type="button" class="btn btn-light" onClick={apply} data-testid="update-reload">
        {t('update.reload')}
      </button>
    </div>
  );
}

/** `hideLegend` when a heading already says it (the legend stays for screen readers). */
export function LangSwitch({ hideLegend = false }: { hideLegend?: boolean }) {
  return (
    <fieldset class="lang-switch">
      <legend class={hideLegend ? 'sr-only' : undefined}>{t('lang.label')}</legend>
      <div class="segmented">
        {LANGUAGES.map((l) => (
          <button
            key={l}
            type="button"
            lang={l}
            aria-pressed={lang.value === l}
            class={lang.value === l ? 'seg seg-on' : 'seg'}
            onClick={() => void chooseLang(l)}
            data-testid={`lang-${l}`}
          >
            {t(`lang.${l}`)}
          </button>
        ))}
      </div>
    </fieldset>
  );
}
