import { describe, expect, it } from 'vitest';
import { quote, StayInvalid, type Fee, type TariffRules } from '../../src/parking/tariff';
import { feeLineTexts } from '../../src/parking/texts';
import table from './tariff-examples.json?raw';

interface Example {
  rules: string;
  vehicle_class: string;
  zone: string;
  entry: string;
  exit: string;
  lost_ticket: boolean;
  fee_fen: number;
  why: string;
  lines: Fee['lines'];
  texts: { 'zh-CN': string[]; en: string[] };
}

const { rules, examples } = JSON.parse(table) as {
  rules: Record<string, Record<string, TariffRules>>;
  examples: Example[];
};

describe('the TypeScript tariff engine and its texts agree with the Python ones', () => {
  it('has the whole table', () => {
    expect(examples.length).toBeGreaterThanOrEqual(30);
  });

  it.each(examples.map((e) => [e.why, e] as const))('%s', (_, e) => {
    const rulesOf = rules[e.rules]![e.vehicle_class]!;
    const fee = quote(rulesOf, e.entry, e.exit, {
      lostTicket: e.lost_ticket,
      zone: e.zone,
    });
    expect(fee.fee_fen).toBe(e.fee_fen);
    expect(fee.lines).toEqual(e.lines);
    expect(feeLineTexts(fee, rulesOf, 'zh-CN')).toEqual(e.texts['zh-CN']);
    expect(feeLineTexts(fee, rulesOf, 'en')).toEqual(e.texts.en);
  });
});

describe('a stay the engine cannot price', () => {
  const demo = rules['demo']!['small']!;

  it('refuses a time without its offset', () => {
    expect(() => quote(demo, '2026-12-06T08:00:00', '2026-12-06T09:00:00+08:00')).toThrow(StayInvalid);
  });

  it('refuses an exit before the entry', () => {
    expect(() => quote(demo, '2026-12-06T08:00:00+08:00', '2026-12-06T07:59:59+08:00')).toThrow(
      'exit: the exit is before the entry',
    );
  });
});
