// Texts of the QR scanner (zh-CN first, en typed against it); loaded with the screens that scan.
import { defineTexts } from '../i18n';

const zh = {
  'scan.title': '扫码',
  'scan.camera': '相机画面',
  'scan.starting': '正在打开相机…',
  'scan.aim': '将二维码对准框内。',
  'scan.aim_key': '将钥匙牌上的二维码对准框内。',
  'scan.denied': '未获得相机权限。请在浏览器设置中允许，或在下方输入编号。',
  'scan.no_camera': '无法使用相机。请在下方输入钥匙编号。',
  'scan.failed': '无法识别二维码，请在下方输入钥匙编号。',
  'scan.typed_label': '或输入钥匙编号',
  'scan.typed_go': '确定',
  'scan.unknown': '未找到这把钥匙（不是本系统的钥匙牌，或尚未同步到本机）。',
} as const;

const en: Record<keyof typeof zh, string> = {
  'scan.title': 'Scan',
  'scan.camera': 'Camera view',
  'scan.starting': 'Opening the camera…',
  'scan.aim': 'Hold the QR code inside the frame.',
  'scan.aim_key': "Hold the key tag's QR code inside the frame.",
  'scan.denied': 'No camera permission. Allow it in the browser settings, or type the code below.',
  'scan.no_camera': 'The camera cannot be used. Type the key code below.',
  'scan.failed': 'The QR reader could not start. Type the key code below.',
  'scan.typed_label': 'Or type the key code',
  'scan.typed_go': 'Go',
  'scan.unknown': 'No such key (not one of our tags, or not synced to this phone yet).',
};

declare module '../i18n' {
  interface Namespaces {
    scan: typeof zh;
  }
}

defineTexts('scan', zh, en);
