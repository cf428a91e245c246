/**
 * What a cashier reads out for each line of a fee, in zh-CN or English: the templates of
 * server/parking/tariff.py LINE_TEXTS, so the booth offline says what the quote API says (the
 * shared table of examples checks every row's texts in both languages).
 */
import { defineTexts, format, type Lang } from '../i18n';
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

// The screens' texts (zh-CN first, en typed against it), registered when the screens load.
const zh = {
  // The sync page names pending parking mutations by these (once the screens have loaded).
  'mutation.parking_shifts.open': '开班',
  'mutation.parking_shifts.close': '交班',
  'mutation.parking_shifts.confirm_handover': '确认接班',
  'mutation.parking_transactions.record': '收费',
  'mutation.parking_transactions.void': '作废收据',
  'mutation.parking_events.record': '登记异常事件',
  'parking.title': '停车收费',
  'parking.booth': '收费亭',
  'parking.loading_setup': '正在读取收费设置……',
  'parking.no_setup': '本机还没有收费设置。请联网打开一次本页面。',
  'parking.no_prefix': '本机还没有收据号前缀，暂时不能收费。请联网一次以领取前缀。',
  'parking.get_prefix': '联网领取收据号前缀',
  'parking.prefix': '收据号前缀 {prefix}',
  'parking.no_gates': '你的项目没有设置出入口。',
  'parking.open_title': '开班',
  'parking.gate': '出入口',
  'parking.float': '备用金清点',
  'parking.count': '张/枚',
  'parking.float_total': '备用金合计',
  'parking.cards_received': '领取临时卡（张）',
  'parking.open': '开班',
  'parking.opened': '已开班，已保存在本机。',
  'parking.note': '{yuan} 元纸币',
  'parking.coin': '{yuan} 元硬币',
  'parking.note_coin': '{yuan} 元（纸币和硬币）',
  'parking.coin_jiao': '{jiao} 角硬币',
  'parking.shift_total': '本班收款',
  'parking.pending': '待同步',
  'parking.plate': '车牌号',
  'parking.province': '省份',
  'parking.plate_rest': '车牌其余部分',
  'parking.vehicle_class': '车型',
  'parking.class.small': '小型车',
  'parking.class.large': '大型车',
  'parking.entry': '入场时间',
  'parking.entry_typed': '手动输入入场时间',
  'parking.quick.15': '15分钟前',
  'parking.quick.30': '30分钟前',
  'parking.quick.60': '1小时前',
  'parking.quick.120': '2小时前',
  'parking.quick.180': '3小时前',
  'parking.quick.morning': '今天早上8点',
  'parking.exit': '出场时间',
  'parking.exit_now': '现在',
  'parking.lost_ticket': '遗失停车卡',
  'parking.fee': '应收',
  'parking.fee_pick': '请先输入车牌和入场时间。',
  'parking.fee_error.tariff_missing': '该入场时间没有适用的收费标准。',
  'parking.fee_error.exit_before_entry': '出场时间早于入场时间。',
  'parking.fee_error.no_setup': '本机没有收费设置，请联网一次。',
  'parking.amount': '实收（元）',
  'parking.amount_differs': '实收与应收不同',
  'parking.variance_reason': '差额原因',
  'parking.variance': '差额 {yuan} 元',
  'parking.pay': '收款方式（点一下即收款）',
  'parking.method.cash': '现金',
  'parking.method.wechat': '微信',
  'parking.method.alipay': '支付宝',
  'parking.method.card': '刷卡',
  'parking.method.none': '免费',
  'parking.saved_receipt': '已保存。收据号 {no}',
  'parking.exempt': '免费放行',
  'parking.exempt_reason': '免费原因',
  'parking.approver': '审批人',
  'parking.approver_none': '这个项目没有可审批的人员。',
  'parking.exempt_save': '登记免费放行',
  'parking.ledger': '本班流水',
  'parking.ledger_none': '本班还没有流水。',
  'parking.kind.fee': '收费',
  'parking.kind.exemption': '免费',
  'parking.kind.void': '作废',
  'parking.voided': '已作废',
  'parking.void': '作废',
  'parking.void_reason': '作废原因',
  'parking.void_confirm': '确认作废',
  'parking.void_of': '作废 {no}',
  'parking.voided_saved': '已作废并保存。收据号 {no}',
  'parking.events': '异常事件',
  'parking.event_new': '登记异常事件',
  'parking.event_kind': '事件类型',
  'parking.event.barrier_fault': '道闸故障',
  'parking.event.lost_card': '临时卡遗失',
  'parking.event.dispute': '收费纠纷',
  'parking.event.drive_off': '冲卡逃费',
  'parking.event.system_fault': '系统故障',
  'parking.event_note': '情况说明',
  'parking.event_photos': '照片',
  'parking.event_save': '保存事件',
  'parking.event_saved': '异常事件已保存。',
  'parking.close': '交班',
  'parking.close_title': '交班清点',
  'parking.count_cash': '现金清点（按面额盲点）',
  'parking.counted_total': '清点合计',
  'parking.blind_hint': '应交金额在清点提交并同步后才显示。',
  'parking.cards_on_hand': '手中临时卡（张）',
  'parking.bag_no': '投包号',
  'parking.next_cashier': '接班收费员',
  'parking.next_none': '（无人接班）',
  'parking.close_submit': '提交清点并交班',
  'parking.closed_saved': '交班清点已保存在本机，同步后显示应交金额和差额。',
  'parking.result': '交班结果',
  'parking.waiting_sync': '等待同步……同步后显示应交金额。',
  'parking.expected': '应交现金',
  'parking.counted': '实点现金',
  'parking.variance_total': '差额',
  'parking.slip_no': '缴款单号',
  'parking.slip': '打开内部缴款单',
  'parking.status.open': '当班',
  'parking.status.closed': '已交班',
  'parking.status.handed_over': '已接班',
  'parking.status.approved': '已审核',
  'parking.status.returned': '已退回',
  'parking.my_shifts': '我最近的班次',
  'parking.handover_title': '接班确认',
  'parking.handover_from': '{name} 的班次（{gate}）',
  'parking.handover_list': '待我接班',
  'parking.handover_float': '收到的备用金',
  'parking.handover_cards': '收到的临时卡（张）',
  'parking.handover_confirm': '确认接班',
  'parking.handover_saved': '接班确认已保存，同步后生效。',
  'parking.handover_done': '已确认接班',
  'parking.missing': '找不到这个班次（可能尚未同步到本机）。',
  'parking.invalid.plate_required': '请输入完整车牌号。',
  'parking.invalid.amount_invalid': '请输入有效金额（元，最多两位小数）。',
  'parking.invalid.variance_reason_required': '实收与应收不同，请填写原因。',
  'parking.invalid.exemption_needs_approver': '这个原因需要选择审批人。',
  'parking.invalid.reason_required': '请填写原因。',
  'parking.invalid.bag_no': '请填写投包号。',
  'parking.invalid.count': '请填写整数。',
  'error.no_receipt_prefix': '本机还没有收据号前缀，请联网一次。',
  'parking.yuan': '{amount} 元',
  'parking.review.waiting': '待审核的收费班次',
  'parking.review.empty': '没有待审核的收费班次。',
  'parking.review.title': '审核收费班次',
  'parking.review.cashier': '收费员',
  'parking.review.opened_at': '开班时间',
  'parking.review.closed_at': '交班时间',
  'parking.review.float': '备用金',
  'parking.review.cash_in': '现金收入（已扣作废）',
  'parking.review.by_denomination': '按面额清点',
  'parking.review.denomination': '面额',
  'parking.review.pieces': '数量',
  'parking.review.subtotal': '小计',
  'parking.review.over': '长款 {yuan} 元',
  'parking.review.short': '短款 {yuan} 元',
  'parking.review.even': '无差额',
  'parking.review.cards': '临时卡',
  'parking.review.cards_text': '领取 {received} 张，交回 {on_hand} 张',
  'parking.review.takings': '本班收入',
  'parking.review.entries': '收费 {fees} 笔，免费 {exemptions} 笔，作废 {voids} 笔',
  'parking.review.comment': '审核意见（退回时必填）',
  'parking.review.approve': '审核通过',
  'parking.review.return': '退回重点',
  'parking.review.approved_saved': '已审核通过，同步后锁定班次。',
  'parking.review.returned_saved': '已退回给收费员，同步后生效。',
  'parking.review.decided': '{status}（{name}，{time}）',
  'parking.review.today': '今日班次',
  'parking.review.today_none': '今天还没有收费班次。',
  'parking.returned_title': '班次被主管退回',
  'parking.returned_comment': '退回意见：{comment}',
  'parking.recount': '重新清点',
  'parking.recount_title': '重新清点现金',
} as const;

const en: Record<keyof typeof zh, string> = {
  'mutation.parking_shifts.open': 'Open shift',
  'mutation.parking_shifts.close': 'Close shift',
  'mutation.parking_shifts.confirm_handover': 'Confirm hand-over',
  'mutation.parking_transactions.record': 'Take fee',
  'mutation.parking_transactions.void': 'Void receipt',
  'mutation.parking_events.record': 'Record event',
  'parking.title': 'Parking fees',
  'parking.booth': 'Booth',
  'parking.loading_setup': 'Reading the parking setup…',
  'parking.no_setup': 'This device has no parking setup yet. Open this page once while online.',
  'parking.no_prefix': 'This device has no receipt prefix yet, so it cannot take fees. Connect once to get one.',
  'parking.get_prefix': 'Connect and get a receipt prefix',
  'parking.prefix': 'Receipt prefix {prefix}',
  'parking.no_gates': 'Your sites have no gates set up.',
  'parking.open_title': 'Open a shift',
  'parking.gate': 'Gate',
  'parking.float': 'Float count',
  'parking.count': 'Count',
  'parking.float_total': 'Float total',
  'parking.cards_received': 'Temporary cards received',
  'parking.open': 'Open shift',
  'parking.opened': 'Shift opened; saved on this device.',
  'parking.note': '¥{yuan} note',
  'parking.coin': '¥{yuan} coin',
  'parking.note_coin': '¥{yuan} (notes and coins)',
  'parking.coin_jiao': '{jiao} jiao coin',
  'parking.shift_total': 'Shift takings',
  'parking.pending': 'To sync',
  'parking.plate': 'Plate',
  'parking.province': 'Province',
  'parking.plate_rest': 'Rest of the plate',
  'parking.vehicle_class': 'Vehicle class',
  'parking.class.small': 'Small',
  'parking.class.large': 'Large',
  'parking.entry': 'Entry time',
  'parking.entry_typed': 'Type the entry time',
  'parking.quick.15': '15 min ago',
  'parking.quick.30': '30 min ago',
  'parking.quick.60': '1 h ago',
  'parking.quick.120': '2 h ago',
  'parking.quick.180': '3 h ago',
  'parking.quick.morning': '8:00 this morning',
  'parking.exit': 'Exit time',
  'parking.exit_now': 'Now',
  'parking.lost_ticket': 'Lost ticket',
  'parking.fee': 'Fee',
  'parking.fee_pick': 'Enter the plate and the entry time first.',
  'parking.fee_error.tariff_missing': 'No tariff applies at that entry time.',
  'parking.fee_error.exit_before_entry': 'The exit is before the entry.',
  'parking.fee_error.no_setup': 'No parking setup on this device; connect once.',
  'parking.amount': 'Amount collected (yuan)',
  'parking.amount_differs': 'Amount differs from the fee',
  'parking.variance_reason': 'Reason for the difference',
  'parking.variance': 'Difference ¥{yuan}',
  'parking.pay': 'Payment (one tap takes the fee)',
  'parking.method.cash': 'Cash',
  'parking.method.wechat': 'WeChat',
  'parking.method.alipay': 'Alipay',
  'parking.method.card': 'Card',
  'parking.method.none': 'Free',
  'parking.saved_receipt': 'Saved. Receipt {no}',
  'parking.exempt': 'Exempt',
  'parking.exempt_reason': 'Exemption reason',
  'parking.approver': 'Approver',
  'parking.approver_none': 'Nobody at this site may approve this.',
  'parking.exempt_save': 'Record the exemption',
  'parking.ledger': 'Shift ledger',
  'parking.ledger_none': 'Nothing in this shift yet.',
  'parking.kind.fee': 'Fee',
  'parking.kind.exemption': 'Exemption',
  'parking.kind.void': 'Void',
  'parking.voided': 'Voided',
  'parking.void': 'Void',
  'parking.void_reason': 'Reason for voiding',
  'parking.void_confirm': 'Confirm void',
  'parking.void_of': 'Voids {no}',
  'parking.voided_saved': 'Voided and saved. Receipt {no}',
  'parking.events': 'Abnormal events',
  'parking.event_new': 'Record an abnormal event',
  'parking.event_kind': 'Kind of event',
  'parking.event.barrier_fault': 'Barrier fault',
  'parking.event.lost_card': 'Lost card',
  'parking.event.dispute': 'Dispute',
  'parking.event.drive_off': 'Drive-off',
  'parking.event.system_fault': 'System fault',
  'parking.event_note': 'What happened',
  'parking.event_photos': 'Photos',
  'parking.event_save': 'Save the event',
  'parking.event_saved': 'Event saved.',
  'parking.close': 'Close',
  'parking.close_title': 'Close the shift',
  'parking.count_cash': 'Cash count (blind, by denomination)',
  'parking.counted_total': 'Counted total',
  'parking.blind_hint': 'The expected total is shown after the count is submitted and synced.',
  'parking.cards_on_hand': 'Temporary cards on hand',
  'parking.bag_no': 'Bag number',
  'parking.next_cashier': 'Next cashier',
  'parking.next_none': '(nobody)',
  'parking.close_submit': 'Submit the count and close',
  'parking.closed_saved': 'Count saved on this device; the expected cash and the variance show after sync.',
  'parking.result': 'Shift result',
  'parking.waiting_sync': 'Waiting for sync… the expected cash shows after it.',
  'parking.expected': 'Expected cash',
  'parking.counted': 'Counted cash',
  'parking.variance_total': 'Variance',
  'parking.slip_no': 'Slip number',
  'parking.slip': 'Open the remittance slip (PDF)',
  'parking.status.open': 'Open',
  'parking.status.closed': 'Closed',
  'parking.status.handed_over': 'Handed over',
  'parking.status.approved': 'Approved',
  'parking.status.returned': 'Returned',
  'parking.my_shifts': 'My recent shifts',
  'parking.handover_title': 'Hand-over',
  'parking.handover_from': 'Shift of {name} ({gate})',
  'parking.handover_list': 'Shifts to take over',
  'parking.handover_float': 'Float received',
  'parking.handover_cards': 'Temporary cards received',
  'parking.handover_confirm': 'Confirm the hand-over',
  'parking.handover_saved': 'Hand-over confirmed and saved; it completes after sync.',
  'parking.handover_done': 'Hand-over confirmed',
  'parking.missing': 'No such shift (it may not have synced to this device yet).',
  'parking.invalid.plate_required': 'Enter the whole plate.',
  'parking.invalid.amount_invalid': 'Enter a valid amount (yuan, at most 2 decimals).',
  'parking.invalid.variance_reason_required': 'The amount differs from the fee: give the reason.',
  'parking.invalid.exemption_needs_approver': 'This reason needs an approver.',
  'parking.invalid.reason_required': 'Give the reason.',
  'parking.invalid.bag_no': 'Enter the bag number.',
  'parking.invalid.count': 'Enter a whole number.',
  'error.no_receipt_prefix': 'This device has no receipt prefix yet; connect once.',
  'parking.yuan': '¥{amount}',
  'parking.review.waiting': 'Parking shifts awaiting review',
  'parking.review.empty': 'No parking shifts to review.',
  'parking.review.title': 'Review parking shift',
  'parking.review.cashier': 'Cashier',
  'parking.review.opened_at': 'Opened',
  'parking.review.closed_at': 'Closed',
  'parking.review.float': 'Float',
  'parking.review.cash_in': 'Cash taken (voids deducted)',
  'parking.review.by_denomination': 'Count by denomination',
  'parking.review.denomination': 'Denomination',
  'parking.review.pieces': 'Pieces',
  'parking.review.subtotal': 'Subtotal',
  'parking.review.over': 'Over by {yuan} yuan',
  'parking.review.short': 'Short by {yuan} yuan',
  'parking.review.even': 'No variance',
  'parking.review.cards': 'Temporary cards',
  'parking.review.cards_text': '{received} received, {on_hand} handed back',
  'parking.review.takings': 'Takings',
  'parking.review.entries': '{fees} fees, {exemptions} exemptions, {voids} voids',
  'parking.review.comment': 'Comment (required to send back)',
  'parking.review.approve': 'Approve',
  'parking.review.return': 'Send back to recount',
  'parking.review.approved_saved': 'Approved; the shift is locked once synced.',
  'parking.review.returned_saved': 'Sent back to the cashier; takes effect once synced.',
  'parking.review.decided': '{status} ({name}, {time})',
  'parking.review.today': "Today's shifts",
  'parking.review.today_none': 'No parking shifts today yet.',
  'parking.returned_title': 'Your supervisor sent this shift back',
  'parking.returned_comment': 'Comment: {comment}',
  'parking.recount': 'Count again',
  'parking.recount_title': 'Count the cash again',
};

declare module '../i18n' {
  interface Namespaces {
    parking: typeof zh;
  }
}

defineTexts('parking', zh, en);
