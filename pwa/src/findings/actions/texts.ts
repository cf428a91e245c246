// Texts of a finding's state actions and its history (loaded with Actions.tsx,
// not in the first load); zh-CN first, en typed against it.
import { defineTexts } from '../../i18n';

const zh = {
  'factions.title': '处理',
  'factions.none': '当前没有您可以进行的操作。',
  'factions.assign': '派单',
  'factions.reassign': '改派',
  'factions.accept': '接单',
  'factions.done.accept': '已接单。',
  'factions.assignee': '整改负责人',
  'factions.fix': '标记已整改',
  'factions.fix_photos_needed': '此类问题需要上传整改照片。',
  'factions.verify': '验收通过',
  'factions.close': '关闭问题',
  'factions.close_reason': '关闭原因（重复或无效问题必填）',
  'factions.reopen': '重新打开',
  'factions.reopen_reason': '重新打开的原因',
  'factions.choose_assignee': '请选择整改负责人。',
  'factions.done.assign': '已派单。',
  'factions.done.fix': '已标记为已整改。',
  'factions.done.verify': '已验收。',
  'factions.done.close': '已关闭。',
  'factions.done.reopen': '已重新打开。',
  'factions.offline': '联网后同步。',
  'factions.close_reason_shown': '关闭原因：{reason}',
  'factions.reopen_reason_shown': '重新打开原因：{reason}',
  'finding.field.close_reason': '关闭原因',
  'finding.field.reopen_reason': '重新打开原因',
  'history.title': '修改记录',
  'history.reported': '{who} 上报了问题',
  'history.changed': '{who} 把 {field} 从 {from} 改为 {to}',
  'history.photos': '{n} 张',
  'history.empty': '暂无修改记录。',
  'history.offline': '联网后可查看修改记录。',
  'history.failed': '修改记录暂时无法加载。',
} as const;

const en: Record<keyof typeof zh, string> = {
  'factions.title': 'Actions',
  'factions.none': 'There is nothing for you to do on this finding now.',
  'factions.assign': 'Assign',
  'factions.reassign': 'Reassign',
  'factions.accept': 'Accept',
  'factions.done.accept': 'Accepted.',
  'factions.assignee': 'Assignee',
  'factions.fix': 'Mark fixed',
  'factions.fix_photos_needed': 'This category needs photos of the fix.',
  'factions.verify': 'Verify fix',
  'factions.close': 'Close finding',
  'factions.close_reason': 'Reason for closing (required for a duplicate or invalid finding)',
  'factions.reopen': 'Reopen',
  'factions.reopen_reason': 'Why it is reopened',
  'factions.choose_assignee': 'Choose who fixes it.',
  'factions.done.assign': 'Assigned.',
  'factions.done.fix': 'Marked fixed.',
  'factions.done.verify': 'Verified.',
  'factions.done.close': 'Closed.',
  'factions.done.reopen': 'Reopened.',
  'factions.offline': 'It syncs when there is a network.',
  'factions.close_reason_shown': 'Closed because: {reason}',
  'factions.reopen_reason_shown': 'Reopened because: {reason}',
  'finding.field.close_reason': 'Reason for closing',
  'finding.field.reopen_reason': 'Reason for reopening',
  'history.title': 'Changes',
  'history.reported': '{who} reported the finding',
  'history.changed': '{who} changed {field} from {from} to {to}',
  'history.photos': '{n} photos',
  'history.empty': 'No changes yet.',
  'history.offline': 'The changes can be seen when there is a network.',
  'history.failed': 'The changes cannot be loaded now.',
};

declare module '../../i18n' {
  interface Namespaces {
    finding_actions: typeof zh;
  }
}

defineTexts('finding_actions', zh, en);
