import '../photos/texts';
import type { ComponentChildren } from 'preact';
import { hasKey, LANGUAGES, lang, t, type MessageKey } from '../i18n';
import { errorText } from '../i18n/errors';
import type { NoticeRow } from '../db/local';
import type { SyncFailure } from '../sync/client';
import { progress, syncing } from '../sync/status';
import { uploadProgress } from '../photos/status';
import { dismiss, pendingCount, queuedPhotos } from './data';
import { fieldLabel, mutationLabel } from './labels';
import { applyUpdate, navigate, online, pathOf, route, user, type Route, type RouteName } from './state';
import { chooseLang } from './session';
import { UnreadBadge } from '../conflicts/Badge';
import { unreadCount } from '../conflicts/store';

export function OfflineBadge() {
  if (online.value) return null;
  return (
    <span class="badge-offline" role="status" title={t('net.offline_hint')} data-testid="offline-badge">
      {t('net.offline')}
    </span>
  );
}

/** A small camera sign in the header while photos wait for the server (rendered only then). */
export function PhotosPending() {
  const n = queuedPhotos.value.length;
  const p = uploadProgress.value;
  if (n === 0 && !p) return null;
  return (
    <span class="badge-photos" role="status" title={t('photos.pending_badge', { n })} aria-label={t('photos.pending_badge', { n })} data-testid="photos-pending" data-count={n}>
      <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">
        <path fill="currentColor" d="M9 3 7.2 5H4a2 2 0 0 0-2 2v11a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2h-3.2L15 3H9zm3 5a4.5 4.5 0 1 1 0 9 4.5 4.5 0 0 1 0-9zm0 2a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5z" />
      </svg>
      {p ? `${p.done}/${p.total}` : n}
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

/** An in-app link: a real href (long-press, screen readers), navigation without a reload; `attrs`: more data attributes. */
export function Link({
  to,
  class: cls,
  children,
  testid,
  dataId,
  attrs,
}: {
  to: Route | RouteName;
  class?: string;
  children: ComponentChildren;
  testid?: string;
  dataId?: string;
  attrs?: Record<string, string>;
}) {
  const r: Route = typeof to === 'string' ? ({ name: to } as Route) : to;
  return (
    <a
      href={pathOf(r)}
      class={cls}
      data-testid={testid}
      data-id={dataId}
      {...attrs}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(r);
      }}
    >
      {children}
    </a>
  );
}

/** A thin bar under the header while a sync runs: determinate while pushing, moving while pulling. */
export function SyncProgress() {
  if (!syncing.value) return null;
  const p = progress.value;
  const pct = p && p.total > 0 ? Math.round((p.sent / p.total) * 100) : null;
  return (
    <div
      class="sync-progress"
      role="progressbar"
      aria-label={p ? t('sync.progress', { sent: p.sent, total: p.total }) : t('sync.syncing')}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct ?? undefined}
      data-testid="sync-progress"
    >
      <div class={pct === null ? 'sync-progress-bar indeterminate' : 'sync-progress-bar'} style={pct === null ? undefined : { width: `${pct}%` }} />
    </div>
  );
}

const TABS: { name: RouteName; key: MessageKey; match: Route['name'][]; roles?: string[] }[] = [
  { name: 'home', key: 'nav.home', match: ['home', 'settings'] },
  // Shown only to the roles that use them.
  { name: 'patrols', key: 'nav.patrols', match: ['patrols', 'patrol-unit', 'patrol'], roles: ['patrol', 'supervisor'] },
  { name: 'keys', key: 'nav.keys', match: ['keys', 'key', 'key-tag'], roles: ['patrol', 'supervisor', 'environment', 'admin'] },
  { name: 'parking', key: 'nav.parking', match: ['parking'], roles: ['cashier'] },
  { name: 'inspections', key: 'nav.inspections', match: ['inspections', 'inspection-new', 'inspection'], roles: ['environment'] },
  { name: 'review', key: 'nav.review', match: ['review', 'review-item'], roles: ['supervisor'] },
  { name: 'reports', key: 'nav.reports', match: ['reports', 'ledgers', 'ledger'], roles: ['supervisor', 'manager', 'admin'] },
  { name: 'findings', key: 'nav.findings', match: ['findings', 'finding', 'finding-new', 'finding-edit'] },
  { name: 'sync', key: 'nav.sync', match: ['sync'] },
];

export function TabBar() {
  const current = route.value.name;
  const pending = pendingCount.value;
  const roles = user.value?.roles ?? [];
  return (
    <nav class="tabbar" aria-label={t('nav.label')}>
      {TABS.filter((tab) => !tab.roles || tab.roles.some((r) => roles.includes(r))).map((tab) => {
        const on = tab.match.includes(current);
        return (
          <Link key={tab.name} to={tab.name} class={on ? 'tab tab-on' : 'tab'} testid={`nav-${tab.name}`}>
            <span aria-current={on ? 'page' : undefined}>{t(tab.key)}</span>
            {tab.name === 'sync' && pending > 0 && (
              <span class="tab-badge" aria-label={t('sync.pending_n', { n: pending })}>
                {pending}
              </span>
            )}
            {tab.name === 'sync' && <UnreadBadge n={unreadCount.value} testid="conflicts-badge-tab" />}
          </Link>
        );
      })}
    </nav>
  );
}

export function Screen({
  title,
  back,
  backTestId = 'back',
  actions,
  headerTestId,
  children,
}: {
  title: string;
  back?: () => void;
  backTestId?: string;
  actions?: ComponentChildren;
  headerTestId?: string;
  children: ComponentChildren;
}) {
  return (
    <div class="screen">
      <header class="bar" data-testid={headerTestId}>
        {back && (
          <button type="button" class="btn btn-bar" onClick={back} data-testid={backTestId}>
            ‹ {t('nav.back')}
          </button>
        )}
        <h1 class="bar-title">{title}</h1>
        <PhotosPending />
        <OfflineBadge />
        {actions}
      </header>
      <SyncProgress />
      <main class="content">{children}</main>
      <TabBar />
    </div>
  );
}

export function failureText(f: SyncFailure): string {
  switch (f.kind) {
    case 'network':
      return t('error.network');
    // By code: a generic text, not a raw key, if the error texts have not arrived yet.
    case 'unauthorized':
      return errorText({ code: 'session_expired' });
    case 'device_mismatch':
      return errorText({ code: 'device_mismatch' });
    case 'too_large':
      return errorText({ code: 'payload_too_large' });
    case 'stalled':
      return errorText({ code: f.code });
    case 'server':
      return errorText({ code: f.code, message: f.message });
  }
}

/** A rejection, with its reason and a way to edit again (replaced fields are told by conflict notices). */
export function NoticeItem({ n }: { n: NoticeRow }) {
  const what = mutationLabel(n.name);
  // Editing again helps when the content was refused; a locked or deleted record only needs looking at.
  const canEdit = n.collection === 'findings' && n.name === 'findings.upsert' && n.code !== 'record_locked' && n.code !== 'record_deleted';
  const openTo: Route | null =
    n.collection === 'findings'
      ? canEdit && n.kind === 'rejected'
        ? { name: 'finding-edit', id: n.record_id, notice: n.id }
        : { name: 'finding', id: n.record_id }
      : n.collection === 'finding_comments' && typeof n.args.finding_id === 'string'
        ? { name: 'finding', id: n.args.finding_id }
        : n.collection === 'patrols'
          ? { name: n.name.startsWith('review.') ? 'review-item' : 'patrol', id: n.record_id }
          : n.collection === 'keys'
            ? { name: 'key', id: n.record_id }
            : null;
  return (
    <li class="notice-item notice-rejected" data-testid="notice" data-code={n.code} data-kind={n.kind}>
      <p class="notice-title">{t('notice.rejected', { what })}</p>
      <p class="notice-reason" data-testid="notice-reason">
        {errorText({ code: n.code, message: n.message, args: n.error_args })}
        {/* The argument it was about, when we have a word for it (never a raw name such as key_id). */}
        {n.field && hasKey(`finding.field.${n.field}`) ? ` (${fieldLabel(n.field)})` : ''}
      </p>
      <div class="notice-actions">
        {openTo && (
          <button type="button" class="btn btn-light-outline" onClick={() => navigate(openTo)} data-testid="notice-open">
            {n.kind === 'rejected' && canEdit ? t('notice.edit_again') : t('notice.open')}
          </button>
        )}
        <button type="button" class="btn btn-light-outline" onClick={() => void dismiss(n.id)} data-testid="notice-dismiss">
          {t('notice.dismiss')}
        </button>
      </div>
    </li>
  );
}
