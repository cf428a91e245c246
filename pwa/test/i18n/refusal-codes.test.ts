// Every refusal code the server can send has a text of ours in zh-CN and en.
// The codes are collected from the server's and the sync engine's Python
// source (not a hand list), so a new code without a text fails here.
import { describe, expect, it } from 'vitest';
import '../../src/i18n/error-texts'; // loaded after start in the app
import { hasKey, translate } from '../../src/i18n';
import { errorText } from '../../src/i18n/errors';

// The Python source as text, read when the test runs (a new file is found too).
const sources = import.meta.glob(['../../../server/**/*.py', '../../../sync/**/*.py', '!**/piccolo_migrations/**'], {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

/** The arguments of the call whose `(` is at `open`, split at top-level commas (strings and brackets respected). */
export function callArgs(src: string, open: number): string[] {
  const args: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open + 1; i < src.length; i++) {
    const c = src[i]!;
    if (c === '"' || c === "'") {
      const quote = src.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      let j = i + quote.length;
      while (j < src.length && !src.startsWith(quote, j)) j += src[j] === '\\' ? 2 : 1;
      i = j + quote.length - 1;
    } else if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) {
        args.push(src.slice(start, i));
        return args.map((a) => a.trim()).filter((a) => a !== '');
      }
      depth--;
    } else if (c === ',' && depth === 0) {
      args.push(src.slice(start, i));
      start = i + 1;
    }
  }
  return [];
}

/** The parameter names of a signature (without self, *, / and annotations). */
function paramNames(args: string[]): string[] {
  return args
    .map((a) => a.split(/[:=]/)[0]!.trim())
    .filter((n) => n !== 'self' && n !== '*' && n !== '/' && !n.startsWith('*'));
}

const LITERAL = /^(?:"([a-z][a-z0-9_]*)"|'([a-z][a-z0-9_]*)')$/;

/** The codes one argument can be: a string literal, or the literals of a conditional expression. */
function literalCodes(arg: string): string[] {
  const m = LITERAL.exec(arg);
  if (m) return [m[1] ?? m[2]!];
  if (/\sif\s/.test(arg) && /\selse\s/.test(arg)) {
    return arg
      .split(/\s(?:if|else)\s/)
      .map((part) => LITERAL.exec(part.trim()))
      .filter((x): x is RegExpExecArray => x !== null)
      .map((x) => x[1] ?? x[2]!);
  }
  return [];
}

/**
 * Refusal codes in the Python source: what every callable that takes a `code`
 * (an exception's `__init__`, an error-raising helper, an error Struct whose
 * first fields are `code` and `message`) is called with, plus every code of
 * the server's own message catalog (server/i18n.py MESSAGES).
 */
export function collectCodes(files: readonly { path: string; src: string }[]): Set<string> {
  const takesCode = new Map<string, number>(); // callable name → index of its `code` argument
  for (const { src } of files) {
    for (const m of src.matchAll(/^class (\w+)\b[^\n]*:\n((?:[ \t]+[^\n]*\n|[ \t]*\n)*)/gm)) {
      const [, name, body] = m;
      const init = /def __init__\(/.exec(body!);
      if (init) {
        const params = paramNames(callArgs(body!, init.index + init[0].length - 1));
        if (params.includes('code')) takesCode.set(name!, params.indexOf('code'));
      } else if (/^\s+(?:"""[\s\S]*?"""\s*)?code: str\n\s+message: str\b/.test(body!)) {
        takesCode.set(name!, 0);
      }
    }
    for (const m of src.matchAll(/^def (\w+)\(/gm)) {
      const params = paramNames(callArgs(src, m.index + m[0].length - 1));
      if (params.includes('code')) takesCode.set(m[1]!, params.indexOf('code'));
    }
  }
  const codes = new Set<string>();
  for (const { path, src } of files) {
    for (const [name, index] of takesCode) {
      for (const m of src.matchAll(new RegExp(`(?<![\\w.])${name}\\(`, 'g'))) {
        if (/(?:def|class)\s+$/.test(src.slice(Math.max(0, m.index - 6), m.index))) continue;
        const args = callArgs(src, m.index + m[0].length - 1);
        const keyword = args.find((a) => /^code\s*=/.test(a));
        const arg = keyword ? keyword.replace(/^code\s*=\s*/, '') : args.filter((a) => !/^\w+\s*=[^=]/.test(a))[index];
        for (const code of arg ? literalCodes(arg) : []) codes.add(code);
      }
    }
    if (path.endsWith('server/i18n.py')) {
      const catalog = /MESSAGES[^=]*=\s*\{([\s\S]*?)\n\}/.exec(src);
      for (const m of catalog?.[1]!.matchAll(/^\s+"([a-z][a-z0-9_]*)":/gm) ?? []) codes.add(m[1]!);
    }
  }
  return codes;
}

const files = Object.entries(sources).map(([path, src]) => ({ path, src }));
const codes = collectCodes(files);

describe('refusal codes of the server', () => {
  it('are found in every form the server raises them', () => {
    expect(files.some((f) => f.path.endsWith('sync/_errors.py'))).toBe(true);
    // One of each form: Refusal (sync handlers), AppError (REST), a helper
    // (error_response), a media Rejected, a push EndpointRefused, the engine's
    // ErrorInfo, a CSV line error, and the server's message catalog.
    for (const code of ['key_already_out', 'invalid_credentials', 'method_not_allowed', 'image_corrupt', 'push_endpoint_refused', 'seq_gap', 'bad_area', 'unknown_building']) {
      expect(codes, code).toContain(code);
    }
    expect(codes.size).toBeGreaterThan(60);
  });

  it('each have a text in zh-CN and in en', () => {
    const missing = [...codes].filter((code) => !hasKey(`error.${code}`)).sort();
    expect(missing).toEqual([]);
    for (const code of codes) {
      const key = `error.${code}` as Parameters<typeof translate>[1];
      expect(translate('zh-CN', key).trim(), code).not.toBe('');
      expect(translate('en', key).trim(), code).not.toBe('');
    }
  });

  it('are shown in our words, not the server\'s mixed message', () => {
    const server = '钥匙已被张伟借出 / the key is out with 张伟';
    expect(errorText({ code: 'key_already_out', message: server }, 'zh-CN')).toBe('钥匙已被他人借出，请查看当前持有人。');
    expect(errorText({ code: 'key_already_out', message: server }, 'en')).toBe('Someone else has this key out; see who holds it now.');
  });

  it('collects a new code from a new domain without a hand list', () => {
    const found = collectCodes([
      {
        path: 'server/parking/handlers.py',
        src: [
          'def _refuse(code: str, message: str) -> Refusal:',
          '    return Refusal(code, message)',
          '',
          'class ShiftClosed(Exception):',
          '    def __init__(self, shift: int, code: str = "shift_closed") -> None:',
          '        self.code = code',
          '',
          'async def apply(ctx):',
          '    raise Refusal(',
          '        "shift_not_open", "the shift is not open", "shift_id"',
          '    )',
          '    raise _refuse("fee_negative" if x < 0 else "fee_too_high", f"{x} (fen)")',
          '    raise ShiftClosed(3, code="shift_handed_over")',
          '    raise AppError("permit_expired", 409, field="until")',
          '',
          'class Refusal(Exception):',
          '    def __init__(self, code: str, message: str, field: str | None = None) -> None:',
          '        pass',
          '',
          'class AppError(Exception):',
          '    def __init__(',
          '        self,',
          '        code: str,',
          '        status: int = 400,',
          '    ) -> None:',
          '        pass',
        ].join('\n'),
      },
    ]);
    expect([...found].sort()).toEqual(['fee_negative', 'fee_too_high', 'permit_expired', 'shift_handed_over', 'shift_not_open']);
  });
});
