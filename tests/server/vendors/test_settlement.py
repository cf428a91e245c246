"""The settlement rule at its boundaries (table tests) and its laws (properties)."""

from __future__ import annotations

from decimal import Decimal

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.vendors.settlement import (
    DEMO_RULE,
    RuleInvalid,
    ScoreTier,
    SettlementRule,
    average_score,
    check_rule,
    percent_of,
    settle,
    yuan,
)

FEE = 8_600_000  # 保洁 86,000 元/月


@pytest.mark.parametrize(
    ("fee", "score", "critical", "late", "deduction"),
    [
        (FEE, "100.00", 0, 0, 0),
        (FEE, "95.00", 0, 0, 0),  # exactly 95: full
        (FEE, "94.99", 0, 0, 172_000),  # 2 %
        (FEE, "90.00", 0, 0, 172_000),  # exactly 90: still 2 %
        (FEE, "89.99", 0, 0, 430_000),  # 5 %
        (FEE, "0.00", 0, 0, 430_000),
        (FEE, "95.00", 1, 0, 20_000),  # 200 yuan per critical failure
        (FEE, "95.00", 0, 3, 15_000),  # 50 yuan per late rectification
        (FEE, "94.99", 2, 3, 172_000 + 40_000 + 15_000),  # they add up
        (FEE, "89.99", 21, 0, 850_000),  # 4,300 + 4,200 = 8,500 yuan: under the cap (8,600)
        (FEE, "89.99", 22, 0, 860_000),  # 4,300 + 4,400 = 8,700 yuan: capped at 10 %
        (FEE, "89.99", 21, 2, 860_000),  # exactly at the cap after the late ones: 8,600
        (25, "94.99", 0, 0, 1),  # 2 % of 25 fen is half a fen: rounds up
        (8_600_025, "94.99", 0, 0, 172_001),  # 172,000.5 fen → 172,001
        (8_600_024, "94.99", 0, 0, 172_000),  # 172,000.48 fen → 172,000
        (5, "100.00", 0, 0, 0),
        (5, "95.00", 1, 0, 1),  # the cap of a tiny fee: 10 % of 5 fen = 0.5 → 1
    ],
)
def test_settlement_table(fee: int, score: str, critical: int, late: int, deduction: int) -> None:
    result = settle(DEMO_RULE, fee, Decimal(score), critical, late)
    assert result.deduction_fen == deduction
    assert result.payable_fen == fee - deduction
    assert sum(line.fen for line in result.lines) == deduction


def test_every_line_is_explained_in_both_languages() -> None:
    result = settle(DEMO_RULE, FEE, Decimal("94.99"), 1, 2)
    assert [(line.text_zh, line.fen) for line in result.lines] == [
        ("得分 94.99（90.00 分及以上、95.00 分以下）：扣月费 86,000.00 元的 2%", 172_000),
        ("重大缺陷 1 次 × 200.00 元", 20_000),
        ("逾期整改 2 次 × 50.00 元", 10_000),
    ]
    assert result.lines[0].text("en") == (
        "Score 94.99 (90.00 or more and under 95.00): 2% of the monthly fee of 86,000.00 yuan"
    )
    assert all(line.text_en and line.text_zh != line.text_en for line in result.lines)


def test_the_cap_is_a_line_of_its_own() -> None:
    result = settle(DEMO_RULE, FEE, Decimal("80.00"), 30, 0)
    assert result.lines[-1].text_zh == (
        "扣款合计 10,300.00 元超过上限（月费的 10%，8,600.00 元），按上限扣款"
    )
    assert result.lines[-1].fen == 860_000 - 1_030_000
    assert result.deduction_fen == 860_000


def test_no_inspections_deduct_nothing_for_the_score_but_fixed_amounts_still_apply() -> None:
    """Decision: no approved inspection gives no score, and a missing score is the inspectors'
    gap rather than the vendor's failure, so the tier deducts 0; a rectification finished late
    this month (raised last month) is still deducted."""
    result = settle(DEMO_RULE, FEE, None, 0, 1)
    assert result.lines[0].fen == 0
    assert "无已审核的检查" in result.lines[0].text_zh
    assert result.deduction_fen == 5_000
    assert average_score([]) is None


def test_average_score_rounds_half_up_to_two_decimals() -> None:
    assert average_score([95, 94]) == Decimal("94.50")
    assert average_score([Decimal("94.995")]) == Decimal("95.00")
    assert average_score([100, 90, 90]) == Decimal("93.33")
    assert average_score([Decimal("89.985"), Decimal("89.985")]) == Decimal("89.99")


def test_percent_and_money_in_words() -> None:
    assert percent_of(25, 200) == 1 and percent_of(24, 200) == 0
    assert yuan(8_600_000) == "86,000.00" and yuan(-5) == "-0.05"


@pytest.mark.parametrize(
    "tiers",
    [
        [],
        [{"min_score": "95", "deduction_bp": 0}],  # no tier from 0
        [{"min_score": "0", "deduction_bp": 0}, {"min_score": "0.00", "deduction_bp": 100}],
        [{"min_score": "0", "deduction_bp": 0}, {"min_score": "101", "deduction_bp": 0}],
        [{"min_score": "0", "deduction_bp": 0}, {"min_score": "90.001", "deduction_bp": 0}],
        [{"min_score": "0", "deduction_bp": 0}, {"min_score": "NaN", "deduction_bp": 0}],
        # a higher score may not deduct more
        [{"min_score": "0", "deduction_bp": 100}, {"min_score": "90", "deduction_bp": 200}],
    ],
)
def test_rules_that_cannot_settle_every_score_are_refused(tiers: list[dict[str, str]]) -> None:
    rule = msgspec.convert(
        {
            "tiers": tiers,
            "per_critical_failure_fen": 0,
            "per_late_rectification_fen": 0,
            "cap_bp": 1000,
        },
        SettlementRule,
    )
    with pytest.raises(RuleInvalid):
        check_rule(rule)


def test_a_score_outside_0_to_100_or_with_three_decimals_is_a_programming_error() -> None:
    for score in ("100.01", "-1", "94.995"):
        with pytest.raises(ValueError):
            settle(DEMO_RULE, FEE, Decimal(score), 0, 0)


def test_the_rule_round_trips_as_json_with_decimal_strings() -> None:
    encoded = msgspec.json.encode(DEMO_RULE)
    assert b'"min_score":"95.00"' in encoded
    assert msgspec.json.decode(encoded, type=SettlementRule) == DEMO_RULE


scores = st.decimals(min_value=0, max_value=100, places=2)
fees = st.integers(min_value=0, max_value=10**10)
counts = st.integers(min_value=0, max_value=500)
rules = st.builds(
    lambda steps, fixed_critical, fixed_late, cap: SettlementRule(
        tiers=[ScoreTier(min_score=Decimal(0), deduction_bp=steps[0][1])]
        + [ScoreTier(min_score=m, deduction_bp=bp) for m, bp in steps[1:]],
        per_critical_failure_fen=fixed_critical,
        per_late_rectification_fen=fixed_late,
        cap_bp=cap,
    ),
    # distinct rising starts with falling percentages: a valid rule
    st.lists(
        st.tuples(
            st.decimals(min_value=Decimal("0.01"), max_value=100, places=2),
            st.integers(0, 10_000),
        ),
        min_size=1,
        max_size=5,
        unique_by=lambda t: t[0],
    ).map(
        lambda raw: list(
            zip(
                [Decimal(0), *sorted(m for m, _ in raw[1:])],
                sorted((bp for _, bp in raw), reverse=True),
                strict=True,
            )
        )
    ),
    st.integers(0, 10**7),
    st.integers(0, 10**7),
    st.integers(0, 10_000),
)


@given(rules, fees, scores, counts, counts)
def test_deduction_stays_within_the_cap_and_adds_up(
    rule: SettlementRule, fee: int, score: Decimal, critical: int, late: int
) -> None:
    result = settle(rule, fee, score, critical, late)
    assert 0 <= result.deduction_fen <= percent_of(fee, rule.cap_bp)
    assert result.payable_fen + result.deduction_fen == fee
    assert sum(line.fen for line in result.lines) == result.deduction_fen


@given(rules, fees, scores, scores, counts, counts, counts, counts)
def test_a_better_month_never_deducts_more(
    rule: SettlementRule,
    fee: int,
    a: Decimal,
    b: Decimal,
    c1: int,
    c2: int,
    l1: int,
    l2: int,
) -> None:
    better = settle(rule, fee, max(a, b), min(c1, c2), min(l1, l2))
    worse = settle(rule, fee, min(a, b), max(c1, c2), max(l1, l2))
    assert better.deduction_fen <= worse.deduction_fen


def test_a_rule_is_kept_highest_tier_first_with_two_decimal_scores() -> None:
    rule = msgspec.convert(
        {
            "tiers": [
                {"min_score": "0", "deduction_bp": 500},
                {"min_score": 95, "deduction_bp": 0},
                {"min_score": "90.5", "deduction_bp": 200},
            ],
            "per_critical_failure_fen": 0,
            "per_late_rectification_fen": 0,
            "cap_bp": 1000,
        },
        SettlementRule,
    )
    assert [str(t.min_score) for t in check_rule(rule).tiers] == ["95.00", "90.50", "0.00"]
    line = settle(rule, FEE, Decimal("90.49"), 0, 0).lines[0]
    assert line.text_zh.startswith("得分 90.49（90.50 分以下）")
