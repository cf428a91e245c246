// Texts of the notification settings (zh-CN first, en typed against it). The service
// worker's fallback title and body stay in the core catalog, which it bundles.
import { defineTexts } from '../i18n';

const zh = {
  'push.title': '通知',
  'push.turn_on': '开启通知',
  'push.turning_on': '正在开启…',
  'push.turn_off': '在本机关闭通知',
  'push.checking': '正在检查通知状态…',
  'push.status_on': '本机已开启通知。',
  'push.status_off': '本机未开启通知。开启后，待审核、报告退回、钥匙超时和整改超期会及时提醒你。',
  'push.status_blocked': '此浏览器已禁止 Fieldkeep 发送通知。',
  'push.denied': '通知权限被拒绝。请在浏览器（或手机系统）的网站设置中允许 Fieldkeep 发送通知，然后再试。',
  'push.dismissed': '未授予通知权限。需要时请再点“开启通知”并选择“允许”。',
  'push.failed': '开启通知失败，请稍后再试。',
  'push.offline': '需要联网才能开启或关闭通知。',
  'push.unsupported': '此浏览器不支持推送通知。请使用较新版本的 Chrome、Edge、Firefox 或 Safari。',
  'push.ios_install': '在 iPhone / iPad 上，请先用 Safari 的“分享 → 添加到主屏幕”安装 Fieldkeep，再从主屏幕图标打开，即可开启通知（需 iOS 16.4 及以上）。',
  'push.kinds': '接收哪些通知',
  'push.kinds_unavailable': '暂时无法读取或保存通知设置（需联网）。',
  'push.kind.review_requested': '有新的待审核记录',
  'push.kind.rejected': '我的报告被退回',
  'push.kind.key_overdue': '钥匙超时未还',
  'push.kind.finding_overdue': '整改超期',
  'push.kind.parking_variance': '停车收费交班有长短款',
  'push.kind.permit_expiring': '月租车证即将到期',
} as const;

const en: Record<keyof typeof zh, string> = {
  'push.title': 'Notifications',
  'push.turn_on': 'Turn on notifications',
  'push.turning_on': 'Turning on…',
  'push.turn_off': 'Turn off on this device',
  'push.checking': 'Checking notifications…',
  'push.status_on': 'Notifications are on for this device.',
  'push.status_off': 'Notifications are off on this device. Turn them on to hear at once about records to review, returned reports, overdue keys and overdue findings.',
  'push.status_blocked': 'This browser blocks notifications from Fieldkeep.',
  'push.denied': 'Permission to notify was refused. Allow notifications for Fieldkeep in the site settings of the browser (or the phone), then try again.',
  'push.dismissed': 'Notifications were not allowed. Tap “Turn on notifications” again and choose Allow.',
  'push.failed': 'Notifications could not be turned on. Try again later.',
  'push.offline': 'You need a connection to turn notifications on or off.',
  'push.unsupported': 'This browser cannot receive push notifications. Use a recent Chrome, Edge, Firefox or Safari.',
  'push.ios_install': 'On iPhone and iPad, first install Fieldkeep with Safari: Share → Add to Home Screen. Then open it from the home-screen icon to turn on notifications (iOS 16.4 or later).',
  'push.kinds': 'Which notifications',
  'push.kinds_unavailable': 'Your choices cannot be loaded or saved right now (a connection is needed).',
  'push.kind.review_requested': 'A record is waiting for my review',
  'push.kind.rejected': 'My report was returned',
  'push.kind.key_overdue': 'A key is overdue',
  'push.kind.finding_overdue': 'A finding is past its due date',
  'push.kind.parking_variance': "A parking cashier's count differs from the takings",
  'push.kind.permit_expiring': 'A monthly parking permit ends soon',
};

declare module '../i18n' {
  interface Namespaces {
    push: typeof zh;
  }
}

defineTexts('push', zh, en);
