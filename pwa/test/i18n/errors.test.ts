import { describe, expect, it } from 'vitest';
import '../../src/i18n/error-texts'; // loaded after start in the app
import { errorText } from '../../src/i18n/errors';
import { ApiError, NetworkError } from '../../src/sync/api';

describe('errorText', () => {
  it('translates known codes from our own catalog, not the server message', () => {
    const err = new ApiError(401, 'invalid_credentials', 'server says something');
    expect(errorText(err, 'zh-CN')).toBe('用户名或密码错误。');
    expect(errorText(err, 'en')).toBe('Wrong username or password.');
  });

  it('says how many seconds to wait when rate limited', () => {
    expect(errorText(new ApiError(429, 'rate_limited', '', 42), 'zh-CN')).toBe('尝试次数过多，请 42 秒后再试。');
    expect(errorText(new ApiError(429, 'rate_limited', '', 1.2), 'en')).toBe(
      'Too many attempts. Try again in 2 seconds.',
    );
    expect(errorText(new ApiError(429, 'rate_limited', ''), 'en')).toBe('Too many attempts. Try again later.');
  });

  it('falls back to the server message for an unknown code', () => {
    expect(errorText(new ApiError(409, 'shift_handed_over', '班次已交接'), 'en')).toBe('班次已交接');
    expect(errorText({ code: 'something_new', message: 'Server text' }, 'zh-CN')).toBe('Server text');
  });

  it('names the person a sync refusal is about', () => {
    const refused = { code: 'key_handed_over', message: '钥匙已转交给张伟。 / The key was handed over to 张伟.', args: { name: '张伟' } };
    expect(errorText(refused, 'zh-CN')).toBe('钥匙已转交给张伟。');
    expect(errorText(refused, 'en')).toBe('The key was handed over to 张伟.');
    expect(errorText({ ...refused, args: undefined }, 'zh-CN')).toBe(refused.message);
  });

  it('falls back to a generic text when there is neither', () => {
    expect(errorText(new ApiError(418, 'teapot', ''), 'en')).toBe('Something went wrong. Please try again.');
    expect(errorText(new ApiError(502, 'server', ''), 'zh-CN')).toBe('服务器出错，请稍后再试。');
  });

  it('never shows the raw text of an error that did not come from the server', () => {
    expect(errorText(new TypeError('x is undefined'), 'en')).toBe('Something went wrong. Please try again.');
    expect(errorText('boom', 'zh-CN')).toBe('出现未知错误，请重试。');
    expect(errorText(null, 'en')).toBe('Something went wrong. Please try again.');
  });

  it('explains a network failure', () => {
    expect(errorText(new NetworkError('Failed to fetch'), 'zh-CN')).toBe('无法连接服务器，请检查网络后重试。');
  });
});
