/**
 * What a cashier reads out for each line of a fee, in zh-CN or English: the templates of
 * server/parking/tariff.py LINE_TEXTS, so the booth offline says what the quote API says (the
 * shared table of examples checks every row's texts in both languages).
 */
import { format, type Lang } from '../i18n';
import type { Fee, TariffRules } from './tariff';

type LineTextKey =
  | 'free'
  | 'whole_24h'
  | 'whole_days'
  | 'cap_mark'
  | 'part_day'
  | 'part_rest'
  | 'part_stay'
  | 'first'
  | 'then'
  | 'capped'
  | 'join'
  | 'lost_ticket'
  | 'yuan'
  | 'hours'
  | 'minutes'
  | 'seconds'
  | 'date';

export const lineTexts: Record<Lang, Record<LineTextKey, string>> = {
  'zh-CN': {
    free: '停车 {stay}，{free} 分钟内免费',
    whole_24h: '整 24 小时 × {count}，每个 {each}{cap}',
    whole_days: '{day}起整天 × {count}，每天 {each}{cap}',
    cap_mark: '（封顶）',
    part_day: '{day} {stay}：{detail}',
    part_rest: '余下 {stay}：{detail}',
    part_stay: '停车 {stay}：{detail}',
    first: '首 {first} {price}',
    then: '之后每 {unit} {price} × {units}',
    capped: '封顶 {cap}',
    join: '，',
    lost_ticket: '遗失停车卡加收',
    yuan: '{amount} 元',
    hours: '{n} 小时',
    minutes: '{n} 分',
    seconds: '{n} 秒',
    date: '{month}月{day}日',
  },
  en: {
    free: 'Stay of {stay}: free within {free} min',
    whole_24h: 'Full 24 h × {count}, {each} each{cap}',
    whole_days: 'Whole days × {count} from {day}, {each} each{cap}',
    cap_mark: ' (the cap)',
    part_day: '{day}: {stay}: {detail}',
    part_rest: 'Remaining {stay}: {detail}',
    part_stay: 'Stay of {stay}: {detail}',
    first: 'first {first} {price}',
    then: 'then {units} × {price} per started {unit}',
    capped: 'capped at {cap}',
    join: '; ',
    lost_ticket: 'Lost ticket surcharge',
    yuan: '¥{amount}',
    hours: '{n} h',
    minutes: '{n} min',
    seconds: '{n} s',
    date: '{iso}',
  },
};

/** The text of each of the fee's lines, in the order of its lines. */
export function feeLineTexts(fee: Fee, rules: TariffRules, lang: Lang): string[] {
  const texts = lineTexts[lang];
  const yuan = (fen: number): string => {
    const whole = Math.floor(fen / 100);
    const amount = fen % 100 === 0 ? `${whole}` : `${whole}.${String(fen % 100).padStart(2, '0')}`;
    return format(texts.yuan, { amount });
  };
  const duration = (seconds: number): string => {
    const parts: [LineTextKey, number][] = [
      ['hours', Math.floor(seconds / 3600)],
      ['minutes', Math.floor((seconds % 3600) / 60)],
      ['seconds', seconds % 60],
    ];
    const said = parts.filter(([, n]) => n).map(([key, n]) => format(texts[key], { n }));
    return said.join(' ') || format(texts.minutes, { n: 0 });
  };
  const localDate = (iso: string): string => {
    const [, month = 0, day = 0] = iso.split('-').map(Number);
    return format(texts.date, { month, day, iso });
  };
  let afterWhole = false;
  return fee.lines.map((line) => {
    if (line.kind === 'free') return format(texts.free, { stay: duration(line.seconds), free: rules.free_minutes });
    if (line.kind === 'whole') {
      afterWhole = true;
      return format(line.day === null ? texts.whole_24h : texts.whole_days, {
        count: line.count,
        each: yuan(line.fen / line.count),
        cap: line.capped ? texts.cap_mark : '',
        day: line.day === null ? '' : localDate(line.day),
      });
    }
    if (line.kind === 'part') {
      const detail: string[] = [];
      if (rules.first_period_minutes) {
        const first = duration(rules.first_period_minutes * 60);
        detail.push(format(texts.first, { first, price: yuan(rules.first_period_fen) }));
      }
      if (line.units) {
        const unit = duration(rules.unit_minutes * 60);
        detail.push(format(texts.then, { unit, price: yuan(rules.unit_fen), units: line.units }));
      }
      if (line.capped) detail.push(format(texts.capped, { cap: yuan(rules.cap_fen) }));
      const key = line.day !== null ? 'part_day' : afterWhole ? 'part_rest' : 'part_stay';
      return format(texts[key], {
        day: line.day === null ? '' : localDate(line.day),
        stay: duration(line.seconds),
        detail: detail.join(texts.join),
      });
    }
    return texts.lost_ticket;
  });
}
