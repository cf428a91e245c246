// The error texts are a chunk of their own, loaded after start: until they
// arrive a refusal shows the server's message, and what read it is redrawn
// with our own text when they do. (This file does not import the catalog.)
import { effect } from '@preact/signals';
import { describe, expect, it } from 'vitest';
import { hasKey, namespaces } from '../../src/i18n';
import { errorText, errorTextsSettled, loadErrorTexts } from '../../src/i18n/errors';

describe('the error texts, loaded after start', () => {
  it('are not in the core catalog, and a refusal shown before them ends up in our words', async () => {
    expect(hasKey('error.record_locked')).toBe(false);
    expect(Object.keys(namespaces().get('core')!['zh-CN']).filter((k) => k.startsWith('error.')).sort()).toEqual([
      'error.network',
      'error.unknown',
    ]);
    const refusal = { code: 'record_locked', message: 'record is locked / 记录已锁定' };
    const shown: string[] = [];
    const stop = effect(() => {
      shown.push(errorText(refusal, 'zh-CN'));
    });
    expect(shown).toEqual(['record is locked / 记录已锁定']);
    expect(errorText({ code: 'forbidden' }, 'en')).toBe('Something went wrong. Please try again.');
    expect(errorTextsSettled.value).toBe(false);

    await loadErrorTexts();

    expect(errorTextsSettled.value).toBe(true);
    expect(shown.at(-1)).toBe('该记录已锁定（已关闭或已审核），不能再修改。');
    expect(errorText({ code: 'forbidden' }, 'en')).toBe('You are not allowed to do this.');
    stop();
  });
});
