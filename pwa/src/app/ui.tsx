// Small pieces the patrol, key and review screens share.
import type { ComponentChildren } from 'preact';
import { lang } from '../i18n';
import { NoticeItem } from './common';
import { notices } from './data';
import { dateTime } from './format';
import { navigate, pathOf, type Route } from './state';
import { unitLabel, type Unit } from '../patrols/patrol';
import { hasOpsKey, tt } from '../ops/i18n';

export function Kv({ label, children, testid }: { label: string; children: ComponentChildren; testid?: string }) {
  const empty = children === '' || children === null || children === undefined || children === false;
  return (
    <div class="kv">
      <dt>{label}</dt>
      <dd data-testid={testid}>{empty ? <span class="muted">{tt('common.none')}</span> : children}</dd>
    </div>
  );
}

export function when(v: string | number | null | undefined): string {
  return dateTime(v ?? null, lang.value);
}

export function patrolStatusText(s: string): string {
  const k = `patrol.status.${s}`;
  return hasOpsKey(k) ? tt(k) : s;
}

export function PatrolStatusChip({ status, testid }: { status: string; testid?: string }) {
  return (
    <span class={`chip pstatus-${status}`} data-testid={testid} data-status={status}>
      {patrolStatusText(status)}
    </span>
  );
}

export function PendingChip({ n }: { n: number }) {
  if (n <= 0) return null;
  return (
    <span class="chip chip-pending" data-testid="state-pending">
      {tt('common.pending')}
    </span>
  );
}

export function unitText(u: Unit | null, id: number | null): string {
  if (u) return unitLabel(u);
  return id === null ? '' : tt('unit.number_only', { id });
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

/** An in-app link with any data attributes (the shared Link takes only data-id). */
export function RouteLink({ to, class: cls, children, attrs }: { to: Route; class?: string; children: ComponentChildren; attrs?: Record<string, string> }) {
  return (
    <a
      href={pathOf(to)}
      class={cls}
      {...attrs}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}
