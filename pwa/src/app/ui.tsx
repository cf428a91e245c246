// Small pieces the feature screens share: a key–value row, times in words,
// chips, a record's notices, a thumb-sized choice, the site picker and the
// loader of an online-only REST answer. Their styles (ui.css) load with the
// feature screens (app/App.tsx).
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { lang, t } from '../i18n';
import { errorText } from '../i18n/errors';
import { api } from '../sync/api';
import type { Site } from './api-types';
import { NoticeItem } from './common';
import { notices } from './data';
import { dateTime } from './format';
import { unitLabel, type Unit } from './units';
import { bySite } from './site';
import { user } from './state';

export function Kv({ label, children, testid }: { label: string; children: ComponentChildren; testid?: string }) {
  const empty = children === '' || children === null || children === undefined || children === false;
  return (
    <div class="kv">
      <dt>{label}</dt>
      <dd data-testid={testid}>{empty ? <span class="muted">{t('common.none')}</span> : children}</dd>
    </div>
  );
}

export function when(v: string | number | null | undefined): string {
  return dateTime(v ?? null, lang.value);
}

export function PendingChip({ n }: { n: number }) {
  if (n <= 0) return null;
  return (
    <span class="chip chip-pending" data-testid="state-pending">
      {t('common.pending')}
    </span>
  );
}

export function unitText(u: Unit | null, id: number | null): string {
  if (u) return unitLabel(u);
  return id === null ? '' : t('unit.number_only', { id });
}

/** Rejections and merges about one record (by record id), with their reasons. */
export function RecordNotices({ recordId }: { recordId: string }) {
  const mine = notices.value.filter((n) => n.record_id === recordId);
  if (mine.length === 0) return null;
  return (
    <ul class="notices">
      {mine.map((n) => (
        <NoticeItem key={n.id} n={n} />
      ))}
    </ul>
  );
}

/** A choice of one value as big buttons (a radio group), for one thumb. */
export function Choice<T extends string>({
  value,
  options,
  onChange,
  label,
  disabled,
  testids,
}: {
  value: T | null;
  options: readonly { value: T; label: string }[];
  onChange: (v: T) => void;
  label: string;
  disabled?: boolean;
  testids?: Partial<Record<T, string>>;
}) {
  return (
    <div class="choice" role="radiogroup" aria-label={label}>
      {options.map((o) => (
        <button
          key={o.value}
          type="button"
          role="radio"
          aria-checked={value === o.value}
          class={value === o.value ? `choice-btn choice-on choice-${o.value}` : 'choice-btn'}
          disabled={disabled}
          onClick={() => onChange(o.value)}
          data-testid={testids?.[o.value]}
        >
          {o.label}
        </button>
      ))}
    </div>
  );
}

/**
 * A site of mine: its label and a select of my sites, the site ids as values.
 * `first`: an "all" (filters) or "choose" (forms) option with the value ''.
 * `children`: more options after the sites.
 */
export function SitePicker({
  sites,
  value,
  onChange,
  id,
  testid,
  first,
  children,
}: {
  sites: readonly Site[];
  value: string;
  onChange: (v: string) => void;
  id: string;
  testid?: string;
  first?: 'all' | 'choose';
  children?: ComponentChildren;
}) {
  return (
    <>
      <label for={id}>{t('common.site')}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.currentTarget.value)} data-testid={testid}>
        {first && <option value="">{t(first === 'all' ? 'common.all' : 'common.choose')}</option>}
        {sites.map((s) => (
          <option key={s.id} value={s.id}>
            {s.name}
          </option>
        ))}
        {children}
      </select>
    </>
  );
}

/** A REST answer loaded when a screen opens (online only; `path` null: nothing to load), and its error in words. */
export function useLoad<T>(path: string | null, deps: unknown[] = []): { data: T | null; error: string | null; reload: () => void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [n, setN] = useState(0);
  useEffect(() => {
    if (!path) return;
    let live = true;
    setError(null);
    api.get<T>(path).then(
      (d) => live && setData(d),
      (e: unknown) => live && setError(errorText(e)),
    );
    return () => {
      live = false;
    };
  }, [path, n, ...deps]);
  return { data, error, reload: () => setN((x) => x + 1) };
}

/** A list under site headings when it shows several sites' records (`grouped`), else as it is. */
export function BySite<T>({
  list,
  siteOf,
  grouped,
  children,
}: {
  list: readonly T[];
  siteOf: (x: T) => number | null;
  grouped: boolean;
  children: (items: T[]) => ComponentChildren;
}) {
  if (!grouped) return <>{children([...list])}</>;
  return (
    <>
      {bySite(list, siteOf, user.value?.sites ?? []).map((g) => (
        <section key={g.siteId ?? ''} class="site-group" data-testid="site-group" data-site={g.siteId ?? ''}>
          <h3 class="site-group-name" data-testid="site-group-name">
            {g.name}
          </h3>
          {children(g.items)}
        </section>
      ))}
    </>
  );
}
