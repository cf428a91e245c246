// Texts of the reports screens (zh-CN first, en typed against it); loaded with them.
import { defineTexts } from '../i18n';

const zh = {
  'reports.dashboard': '报表看板',
  'reports.ledgers': '台账',
  'reports.ledgers_hint': '按筛选条件查看明细，可导出 Excel、CSV 和 PDF。',
  'reports.open_ledgers': '查看全部台账',
  'reports.period': '期间',
  'reports.preset.this_month': '本月',
  'reports.preset.last_month': '上月',
  'reports.preset.custom': '自定义',
  'reports.from': '开始日期',
  'reports.to': '结束日期',
  'reports.as_of': '数据截至 {when}',
  'reports.offline_cached': '当前离线，显示上次联网时获取的数据。',
  'reports.offline_none': '当前离线，本机还没有这份报表的数据：请联网后打开一次。',
  'reports.offline_ledger': '台账需要联网查看。',
  'reports.no_charts': '没有可显示的图表。',
  'reports.no_rows': '该期间没有记录。',
  'reports.show_table': '查看数据',
  'reports.hide_table': '收起数据',
  'reports.totals': '合计',
  'reports.approved_only': '仅统计已审核通过的记录。',
  'reports.page': '第 {first}–{last} 条，共 {total} 条',
  'reports.prev': '上一页',
  'reports.next': '下一页',
  'reports.apply': '查询',
  'reports.export': '导出',
  'reports.export_as': '导出为',
  'reports.format.xlsx': 'Excel',
  'reports.format.csv': 'CSV',
  'reports.format.pdf': 'PDF',
  'reports.person_id': '人员编号',
  'reports.chart_of': '{title}（{site}，{from} 至 {to}）',
} as const;

const en: Record<keyof typeof zh, string> = {
  'reports.dashboard': 'Dashboard',
  'reports.ledgers': 'Ledgers',
  'reports.ledgers_hint': 'Details by filter, exported to Excel, CSV and PDF.',
  'reports.open_ledgers': 'All ledgers',
  'reports.period': 'Period',
  'reports.preset.this_month': 'This month',
  'reports.preset.last_month': 'Last month',
  'reports.preset.custom': 'Custom',
  'reports.from': 'From',
  'reports.to': 'To',
  'reports.as_of': 'Figures as of {when}',
  'reports.offline_cached': 'Offline: showing the figures fetched when last online.',
  'reports.offline_none': 'Offline, and this phone has no figures for this yet: open it once online.',
  'reports.offline_ledger': 'Ledgers need the network.',
  'reports.no_charts': 'No charts to show.',
  'reports.no_rows': 'No records in this period.',
  'reports.show_table': 'Show the numbers',
  'reports.hide_table': 'Hide the numbers',
  'reports.totals': 'Totals',
  'reports.approved_only': 'Built from approved records only.',
  'reports.page': 'Rows {first}–{last} of {total}',
  'reports.prev': 'Previous',
  'reports.next': 'Next',
  'reports.apply': 'Show',
  'reports.export': 'Export',
  'reports.export_as': 'Export as',
  'reports.format.xlsx': 'Excel',
  'reports.format.csv': 'CSV',
  'reports.format.pdf': 'PDF',
  'reports.person_id': 'Person id',
  'reports.chart_of': '{title} ({site}, {from} to {to})',
};

defineTexts('reports', zh, en);

declare module '../i18n' {
  interface Namespaces {
    reports: typeof zh;
  }
}
