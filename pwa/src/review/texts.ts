// Texts of the review screens (zh-CN first, en typed against it); loaded with them.
import { defineTexts } from '../i18n';

const zh = {
  'review.title': '审核',
  'review.waiting': '待审核',
  'review.empty': '没有待审核的记录。',
  'review.submitted_at': '提交于 {time}',
  'review.item_title': '审核巡查',
  'review.author': '巡查人',
  'review.submitted': '提交时间',
  'review.unanswered': '未检查',
  'review.item_unnamed': '（未命名的检查项）',
  'review.no_findings': '没有生成问题。',
  'review.decision': '审核意见',
  'review.comment': '意见（退回时必填）',
  'review.comment_hint': '离线时也可审核，联网后提交。若巡查人在此期间修改了记录，审核会被拒绝，需重新查看。',
  'review.comment_required': '退回时请填写意见。',
  'review.approve': '通过',
  'review.reject': '退回',
  'review.already': '{status}（{name}，{time}）',
} as const;

const en: Record<keyof typeof zh, string> = {
  'review.title': 'Review',
  'review.waiting': 'Awaiting review',
  'review.empty': 'Nothing to review.',
  'review.submitted_at': 'Submitted {time}',
  'review.item_title': 'Review patrol',
  'review.author': 'Patrolled by',
  'review.submitted': 'Submitted',
  'review.unanswered': 'Not checked',
  'review.item_unnamed': '(unnamed checklist item)',
  'review.no_findings': 'No findings raised.',
  'review.decision': 'Decision',
  'review.comment': 'Comment (required to send back)',
  'review.comment_hint': 'You can review offline; it is sent when online. If the author changed the record meanwhile, the review is refused and you look again.',
  'review.comment_required': 'Write a comment to send it back.',
  'review.approve': 'Approve',
  'review.reject': 'Send back',
  'review.already': '{status} ({name}, {time})',
};

declare module '../i18n' {
  interface Namespaces {
    review: typeof zh;
  }
}

defineTexts('review', zh, en);
