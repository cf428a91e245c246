// Texts of the photo picker, thumbnails and viewer (zh-CN first, en typed against it).
import { defineTexts } from '../i18n';

const zh = {
  'photos.take': '拍照',
  'photos.choose': '相册',
  'photos.processing': '正在处理照片…',
  'photos.read_failed': '{n} 张照片无法读取，请换一张。',
  'photos.too_many': '每项最多 {n} 张照片。',
  'photos.remove': '移除照片',
  'photos.open': '查看第 {n} 张照片',
  'photos.waiting': '待上传',
  'photos.failed': '上传失败',
  'photos.missing': '照片暂不可用',
  'photos.viewer': '查看照片',
  'photos.prev': '上一张',
  'photos.next': '下一张',
  'photos.counter': '第 {i} / {n} 张',
  'photos.taken_at': '拍摄时间：{time}',
  'photos.taken_unknown': '拍摄时间未知',
  'photos.uploader': '上传人：{name}',
  'photos.location': '位置：{lat}, {lon}',
  'photos.zoom_hint': '双指缩放，双击放大',
  'photos.pending_badge': '{n} 张照片待上传',
} as const;

const en: Record<keyof typeof zh, string> = {
  'photos.take': 'Take photo',
  'photos.choose': 'Choose photos',
  'photos.processing': 'Processing photos…',
  'photos.read_failed': '{n} photo(s) could not be read. Please pick another.',
  'photos.too_many': 'At most {n} photos per field.',
  'photos.remove': 'Remove photo',
  'photos.open': 'Open photo {n}',
  'photos.waiting': 'Not uploaded',
  'photos.failed': 'Upload failed',
  'photos.missing': 'Photo not available yet',
  'photos.viewer': 'Photo viewer',
  'photos.prev': 'Previous',
  'photos.next': 'Next',
  'photos.counter': '{i} of {n}',
  'photos.taken_at': 'Taken: {time}',
  'photos.taken_unknown': 'Capture time unknown',
  'photos.uploader': 'Uploaded by: {name}',
  'photos.location': 'Location: {lat}, {lon}',
  'photos.zoom_hint': 'Pinch to zoom, double-tap to enlarge',
  'photos.pending_badge': '{n} photos waiting to upload',
};

declare module '../i18n' {
  interface Namespaces {
    photos: typeof zh;
  }
}

defineTexts('photos', zh, en);
