// Words and chips for patrol statuses and checklist items (the patrol and review screens show them).
import './texts';
import { lang, word } from '../i18n';
import type { ChecklistItem, Template } from './patrol';

export function patrolStatusText(s: string): string {
  return word('patrol.status', s);
}

export function PatrolStatusChip({ status, testid }: { status: string; testid?: string }) {
  return (
    <span class={`chip pstatus-${status}`} data-testid={testid} data-status={status}>
      {patrolStatusText(status)}
    </span>
  );
}

/** A checklist item in the UI language. */
export function itemLabel(i: ChecklistItem): string {
  return lang.value === 'en' ? i.en : i.zh;
}

/** A checklist's name in the UI language. */
export function templateName(tpl: Pick<Template, 'name'>): string {
  return lang.value === 'en' ? tpl.name.en : tpl.name['zh-CN'];
}
