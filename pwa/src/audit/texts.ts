// Texts of the audit log screen (zh-CN first, en typed against it); loaded with it.
import { defineTexts } from '../i18n';

const zh = {
  'audit.title': '操作日志',
  'audit.intro': '谁在何时、用哪台设备做了什么：审核、钥匙、用户与权限、导入、删除、交班、作废、卡证。只能查看，不能修改。',
  'audit.from': '开始日期',
  'audit.to': '结束日期',
  'audit.show': '查询',
  'audit.csv': '导出 CSV',
  'audit.more': '更早的记录',
  'audit.none': '这段时间没有记录。',
  'audit.when': '时间',
  'audit.who': '人员',
  'audit.what': '操作',
  'audit.outcome': '结果',
  'audit.source': '来源',
  'audit.device': '设备',
  'audit.device_time': '设备时间',
  'audit.target_is': '对象：{target}',
  'audit.online_only': '操作日志需要联网查看。',
};

const en: Record<keyof typeof zh, string> = {
  'audit.title': 'Audit log',
  'audit.intro': 'Who did what, when, from which device: reviews, keys, users and roles, imports, deletes, shift closes, voids, permits. Read-only.',
  'audit.from': 'From',
  'audit.to': 'To',
  'audit.show': 'Show',
  'audit.csv': 'Export CSV',
  'audit.more': 'Earlier entries',
  'audit.none': 'No entries in this period.',
  'audit.when': 'Time',
  'audit.who': 'Person',
  'audit.what': 'Action',
  'audit.outcome': 'Outcome',
  'audit.source': 'Source',
  'audit.device': 'Device',
  'audit.device_time': 'Device time',
  'audit.target_is': 'Target: {target}',
  'audit.online_only': 'The audit log needs a connection.',
};

declare module '../i18n' {
  interface Namespaces {
    audit: typeof zh;
  }
}

defineTexts('audit', zh, en);
