"""A contract's settlement rule as data, and the month's deduction it gives (pure: no I/O).

Money is integer fen; percentages are integer basis points (1 % = 100 bp); scores are Decimals
with two places. Nothing here touches a float.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

import msgspec

BP_PER_WHOLE = 10_000  # basis points in 100 %
TWO_PLACES = Decimal("0.01")
MAX_SCORE = Decimal(100)

BasisPoints = Annotated[int, msgspec.Meta(ge=0, le=BP_PER_WHOLE)]
Fen = Annotated[int, msgspec.Meta(ge=0, le=10**12)]


class ScoreTier(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """From `min_score` (inclusive) up to the next tier's, `deduction_bp` of the monthly fee."""

    min_score: Decimal
    deduction_bp: BasisPoints


class SettlementRule(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    tiers: list[ScoreTier]
    per_critical_failure_fen: Fen
    per_late_rectification_fen: Fen
    cap_bp: BasisPoints


class SettlementLine(msgspec.Struct, frozen=True):
    """One explained amount: what it is, in both languages, and the fen it deducts."""

    text_zh: str
    text_en: str
    fen: int

    def text(self, language: str) -> str:
        return self.text_en if language == "en" else self.text_zh


class Settlement(msgspec.Struct, frozen=True):
    lines: list[SettlementLine]  # they add up to deduction_fen
    deduction_fen: int
    payable_fen: int


class RuleInvalid(ValueError):
    """The rule cannot settle every score: see `check_rule`."""


# The demo contracts' rule: ≥ 95 full; 90 to under 95 −2 %; under 90 −5 %; 200 yuan per
# critical failure; 50 yuan per late rectification; never more than 10 % in all.
DEMO_RULE = SettlementRule(
    tiers=[
        ScoreTier(min_score=Decimal("95.00"), deduction_bp=0),
        ScoreTier(min_score=Decimal("90.00"), deduction_bp=200),
        ScoreTier(min_score=Decimal("0.00"), deduction_bp=500),
    ],
    per_critical_failure_fen=20_000,
    per_late_rectification_fen=5_000,
    cap_bp=1_000,
)


def check_rule(rule: SettlementRule) -> SettlementRule:
    """The rule with its tiers highest first and their scores to two places, or RuleInvalid:
    every score from 0 to 100 must fall in exactly one tier, and a higher score may never
    deduct more."""
    if not rule.tiers:
        raise RuleInvalid("no tiers")
    if not all(_is_score(t.min_score) for t in rule.tiers):
        raise RuleInvalid("a tier's min_score is not a score from 0 to 100 with two decimals")
    tiers = sorted(
        (
            msgspec.structs.replace(t, min_score=t.min_score.quantize(TWO_PLACES))
            for t in rule.tiers
        ),
        key=lambda t: t.min_score,
        reverse=True,
    )
    mins = [t.min_score for t in tiers]
    if len(set(mins)) != len(mins):
        raise RuleInvalid("two tiers start at the same score")
    if mins[-1] != 0:
        raise RuleInvalid("no tier starts at 0")
    if any(hi.deduction_bp > lo.deduction_bp for hi, lo in itertools.pairwise(tiers)):
        raise RuleInvalid("a higher tier deducts more than a lower one")
    return msgspec.structs.replace(rule, tiers=tiers)


def _is_score(value: Decimal) -> bool:
    """From 0 to 100 with at most two decimals."""
    return value.is_finite() and 0 <= value <= MAX_SCORE and value == value.quantize(TWO_PLACES)


def average_score(totals: Iterable[Decimal | int]) -> Decimal | None:
    """The month's score: the average of the inspection totals, half-up to two decimals; None
    when there were no inspections."""
    values = [Decimal(t) for t in totals]
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def percent_of(fen: int, bp: int) -> int:
    """bp basis points of an amount in fen, to the nearest fen, halves up (exact integers)."""
    return (fen * bp * 2 + BP_PER_WHOLE) // (2 * BP_PER_WHOLE)


def yuan(fen: int) -> str:
    """12345678 → "123,456.78"."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def percent(bp: int) -> str:
    """250 → "2.5%"."""
    whole, rest = divmod(bp, 100)
    return f"{whole}.{rest:02d}".rstrip("0").rstrip(".") + "%"


def settle(
    rule: SettlementRule,
    monthly_fee_fen: int,
    score: Decimal | None,
    critical_failures: int,
    late_rectifications: int,
) -> Settlement:
    """The month's deduction, line by line: the score tier's percentage, the fixed amounts per
    critical failure and per late rectification, and the cap when they exceed it.

    A month without inspections (score None) deducts nothing for the score: the missing score is
    the inspector's gap, not the vendor's failure; fixed deductions still apply."""
    if monthly_fee_fen < 0 or critical_failures < 0 or late_rectifications < 0:
        raise ValueError("the fee and the counts cannot be negative")
    if score is not None:
        if not _is_score(score):
            raise ValueError(f"score {score} is not from 0 to 100 with at most two decimals")
        score = score.quantize(TWO_PLACES)
    rule = check_rule(rule)
    lines = [_score_line(rule, monthly_fee_fen, score)]
    critical_fen = critical_failures * rule.per_critical_failure_fen
    lines.append(
        SettlementLine(
            text_zh=f"重大缺陷 {critical_failures} 次 × {yuan(rule.per_critical_failure_fen)} 元",
            text_en=(
                f"Critical failures: {critical_failures} × "
                f"{yuan(rule.per_critical_failure_fen)} yuan"
            ),
            fen=critical_fen,
        )
    )
    late_fen = late_rectifications * rule.per_late_rectification_fen
    lines.append(
        SettlementLine(
            text_zh=(
                f"逾期整改 {late_rectifications} 次 × {yuan(rule.per_late_rectification_fen)} 元"
            ),
            text_en=(
                f"Rectifications finished late: {late_rectifications} × "
                f"{yuan(rule.per_late_rectification_fen)} yuan"
            ),
            fen=late_fen,
        )
    )
    total = sum(line.fen for line in lines)
    cap_fen = percent_of(monthly_fee_fen, rule.cap_bp)
    if total > cap_fen:
        lines.append(
            SettlementLine(
                text_zh=(
                    f"扣款合计 {yuan(total)} 元超过上限（月费的 {percent(rule.cap_bp)}，"
                    f"{yuan(cap_fen)} 元），按上限扣款"
                ),
                text_en=(
                    f"The deductions ({yuan(total)} yuan) exceed the cap ({percent(rule.cap_bp)}"
                    f" of the monthly fee, {yuan(cap_fen)} yuan); the cap applies"
                ),
                fen=cap_fen - total,
            )
        )
        total = cap_fen
    return Settlement(lines=lines, deduction_fen=total, payable_fen=monthly_fee_fen - total)


def _score_line(rule: SettlementRule, fee_fen: int, score: Decimal | None) -> SettlementLine:
    if score is None:
        return SettlementLine(
            text_zh="本月无已审核的检查，不按得分扣款",
            text_en="No approved inspections this month: nothing is deducted for the score",
            fen=0,
        )
    # Tiers are highest first; the last starts at 0, so one always matches.
    index = next(i for i, t in enumerate(rule.tiers) if score >= t.min_score)
    tier = rule.tiers[index]
    upper = rule.tiers[index - 1].min_score if index > 0 else None
    band_zh, band_en = _band(tier.min_score, upper)
    fen = percent_of(fee_fen, tier.deduction_bp)
    if tier.deduction_bp == 0:
        return SettlementLine(
            text_zh=f"得分 {score}（{band_zh}）：全额支付",
            text_en=f"Score {score} ({band_en}): paid in full",
            fen=0,
        )
    return SettlementLine(
        text_zh=(
            f"得分 {score}（{band_zh}）：扣月费 {yuan(fee_fen)} 元的 {percent(tier.deduction_bp)}"
        ),
        text_en=(
            f"Score {score} ({band_en}): {percent(tier.deduction_bp)} of the monthly fee of "
            f"{yuan(fee_fen)} yuan"
        ),
        fen=fen,
    )


def _band(low: Decimal, upper: Decimal | None) -> tuple[str, str]:
    """A tier's scores in words: "90.00 分及以上、95.00 分以下", "under 90.00", …"""
    if upper is None:
        return f"{low} 分及以上", f"{low} or more"
    if low == 0:
        return f"{upper} 分以下", f"under {upper}"
    return f"{low} 分及以上、{upper} 分以下", f"{low} or more and under {upper}"
