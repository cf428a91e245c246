// Texts of conflict notices (two people's concurrent edits of one field); zh-CN first,
// full-width punctuation, en typed against it.
import { defineTexts } from '../i18n';

const zh = {
  'conflict.none': '没有冲突。',
  'conflict.replaced': '你对“{record}”的“{field}”的修改（{mine}）被{other}同时的修改（{theirs}）替换了。',
  'conflict.replacer': '你替换了{other}同时对“{record}”的“{field}”的修改（{theirs}），现为你的修改（{mine}）。',
  'conflict.between': '{winner}对“{record}”的“{field}”的修改（{kept}）替换了{loser}同时的修改（{discarded}）。',
  'conflict.times': '修改时间：{kept_by}{kept_at}，{discarded_by}{discarded_at}。',
  'conflict.resolved': '{who}已恢复为（{value}）。',
  'conflict.you': '你',
  'conflict.someone': '同事',
  'conflict.keep_mine': '保留我的',
  'conflict.keep_theirs': '保留对方的',
  'conflict.read': '知道了',
} as const;

const en: Record<keyof typeof zh, string> = {
  'conflict.none': 'No conflicts.',
  'conflict.replaced': 'Your change of “{field}” of “{record}” ({mine}) was replaced by {other}’s change made at the same time ({theirs}).',
  'conflict.replacer': 'You replaced {other}’s change of “{field}” of “{record}” made at the same time ({theirs}); it is now yours ({mine}).',
  'conflict.between': '{winner}’s change of “{field}” of “{record}” ({kept}) replaced {loser}’s change made at the same time ({discarded}).',
  'conflict.times': 'Changed: {kept_by} {kept_at}, {discarded_by} {discarded_at}.',
  'conflict.resolved': '{who} restored it to ({value}).',
  'conflict.you': 'you',
  'conflict.someone': 'a colleague',
  'conflict.keep_mine': 'Keep mine',
  'conflict.keep_theirs': 'Keep theirs',
  'conflict.read': 'Got it',
};

declare module '../i18n' {
  interface Namespaces {
    conflicts: typeof zh;
  }
}

defineTexts('conflicts', zh, en);
