// Texts of the home screen's "needs you now" part (zh-CN first, en typed against it); loaded with it.
import { defineTexts } from '../i18n';

const zh = {
  'now.title': '待我处理',
  'now.nothing': '现在没有需要你处理的事项。',
  'now.returned': '被退回的巡查',
  'now.returned_comment': '主管意见：{comment}',
  'now.returned_by': '{name} 退回于 {time}',
  'now.keys': '我持有的钥匙',
  'now.key_due': '应还 {time}',
  'now.key_out_since': '借出于 {time}',
  'now.findings': '我的未关闭问题',
} as const;

const en: Record<keyof typeof zh, string> = {
  'now.title': 'Needs you now',
  'now.nothing': 'Nothing needs you right now.',
  'now.returned': 'Patrols sent back to you',
  'now.returned_comment': "Supervisor's comment: {comment}",
  'now.returned_by': 'Sent back by {name}, {time}',
  'now.keys': 'Keys you hold',
  'now.key_due': 'Due back {time}',
  'now.key_out_since': 'Out since {time}',
  'now.findings': 'Your findings not yet closed',
};

declare module '../i18n' {
  interface Namespaces {
    home: typeof zh;
  }
}

defineTexts('home', zh, en);
