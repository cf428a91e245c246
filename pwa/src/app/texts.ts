// Texts of the sign-out question (app/signout.tsx, loaded when the person taps
// "sign out"); zh-CN first, en typed against it.
import { defineTexts } from '../i18n';

const zh = {
  'signout.unsent': '还有 {n} 项没有发送到服务器：',
  'signout.photos': '{n} 张照片待上传',
  'signout.sync_first': '先同步',
  'signout.keep': '退出，数据保留在本机',
  'signout.keep_note': '保留的内容在您用同一账号重新登录并联网后发送。',
  'signout.all_sent': '已全部发送。退出后将清除您在本机上的数据。',
};

const en: Record<keyof typeof zh, string> = {
  'signout.unsent': '{n} items have not reached the server yet:',
  'signout.photos': '{n} photos waiting to upload',
  'signout.sync_first': 'Sync first',
  'signout.keep': 'Sign out and keep on this phone',
  'signout.keep_note': 'What is kept is sent after you sign in again as the same user with a network.',
  'signout.all_sent': 'Everything is sent. Signing out clears your data from this phone.',
};

declare module '../i18n' {
  interface Namespaces {
    signout: typeof zh;
  }
}

defineTexts('signout', zh, en);
