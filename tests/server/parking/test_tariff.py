"""The tariff engine: properties over random tariffs and stays, the demo tariff's boundaries, and
the shared table of worked examples (and its JSON export for the PWA's port)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.parking.demo import DEMO_LARGE, DEMO_SMALL
from server.parking.tariff import DAY_SECONDS, StayInvalid, TariffRules, line_texts, quote
from tests.server.parking.tariff_examples import (
    EXAMPLES,
    EXPORT,
    REWRITE_ENV,
    Example,
    compute,
    export,
)

# Zones whose clocks change at or across midnight (Havana, Santiago, Beirut) among the usual.
ZONES = [
    "Asia/Shanghai",
    "America/New_York",
    "Europe/London",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "America/Havana",
    "America/Santiago",
    "Asia/Beirut",
]
ENTRY = datetime(2026, 12, 6, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

rules_strategy = st.builds(
    TariffRules,
    free_minutes=st.integers(0, 120),
    first_period_minutes=st.integers(0, 600),
    first_period_fen=st.integers(0, 5000),
    unit_minutes=st.integers(1, 240),
    unit_fen=st.integers(0, 2000),
    cap_fen=st.integers(0, 20000),
    cap_per=st.sampled_from(["24h", "day"]),
    lost_ticket_fen=st.integers(0, 5000),
)
entries = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
)
stays = st.integers(0, 10 * DAY_SECONDS)
offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


def periods_touched(rules: TariffRules, entry: datetime, exit: datetime, zone: ZoneInfo) -> int:
    if rules.cap_per == "24h":
        return max(1, -(-int((exit - entry).total_seconds()) // DAY_SECONDS))
    return (exit.astimezone(zone).date() - entry.astimezone(zone).date()).days + 1


@given(rules_strategy, entries, stays, st.booleans(), st.sampled_from(ZONES))
def test_a_fee_is_never_negative_and_its_lines_add_up_to_it(
    rules: TariffRules, entry: datetime, seconds: int, lost: bool, zone: str
) -> None:
    fee = quote(
        rules, entry, entry + timedelta(seconds=seconds), lost_ticket=lost, zone=ZoneInfo(zone)
    )
    assert fee.fee_fen >= 0
    assert all(line.fen >= 0 for line in fee.lines)
    assert all(line.seconds > 0 for line in fee.lines if line.kind == "part")
    assert sum(line.fen for line in fee.lines) == fee.fee_fen
    assert len(line_texts(fee, rules, "zh-CN")) == len(fee.lines)


@given(rules_strategy, entries, stays, stays, st.booleans(), st.sampled_from(ZONES))
def test_a_longer_stay_never_costs_less(
    rules: TariffRules, entry: datetime, a: int, b: int, lost: bool, zone: str
) -> None:
    short, long = sorted((a, b))
    fees = [
        quote(rules, entry, entry + timedelta(seconds=s), lost_ticket=lost, zone=ZoneInfo(zone))
        for s in (short, long)
    ]
    assert fees[0].fee_fen <= fees[1].fee_fen


@given(rules_strategy, entries, stays, st.booleans(), st.sampled_from(ZONES))
def test_a_fee_is_never_above_the_cap_of_every_period_touched_plus_the_surcharge(
    rules: TariffRules, entry: datetime, seconds: int, lost: bool, zone: str
) -> None:
    exit = entry + timedelta(seconds=seconds)
    fee = quote(rules, entry, exit, lost_ticket=lost, zone=ZoneInfo(zone))
    surcharge = rules.lost_ticket_fen if lost else 0
    assert (
        fee.fee_fen
        <= rules.cap_fen * periods_touched(rules, entry, exit, ZoneInfo(zone)) + surcharge
    )


@given(rules_strategy, entries, stays, offsets, offsets, st.sampled_from(ZONES))
def test_the_offsets_of_the_timestamps_do_not_change_the_fee(
    rules: TariffRules,
    entry: datetime,
    seconds: int,
    entry_offset: timezone,
    exit_offset: timezone,
    zone: str,
) -> None:
    exit = entry + timedelta(seconds=seconds)
    in_utc = quote(rules, entry, exit, zone=ZoneInfo(zone))
    elsewhere = quote(
        rules, entry.astimezone(entry_offset), exit.astimezone(exit_offset), zone=ZoneInfo(zone)
    )
    assert elsewhere == in_utc


def demo(stay: timedelta, *, lost: bool = False, rules: TariffRules = DEMO_SMALL) -> int:
    return quote(rules, ENTRY, ENTRY + stay, lost_ticket=lost).fee_fen


def test_a_whole_stay_of_30_minutes_is_free_and_one_second_more_is_charged_from_entry() -> None:
    assert demo(timedelta(minutes=30)) == 0
    assert demo(timedelta(minutes=30, seconds=1)) == 500


def test_two_hours_are_within_the_first_period_and_one_second_more_starts_an_hour() -> None:
    assert demo(timedelta(hours=2)) == 500
    assert demo(timedelta(hours=2, seconds=1)) == 700


def test_24_hours_cost_the_cap_and_a_remainder_gets_no_free_minutes() -> None:
    assert demo(timedelta(hours=24)) == 2000
    assert demo(timedelta(hours=24, minutes=30)) == 2500
    assert demo(timedelta(hours=26, seconds=1)) == 2700
    assert demo(timedelta(hours=48)) == 4000


def test_a_lost_ticket_adds_10_yuan_even_to_a_free_stay_and_after_the_cap() -> None:
    assert demo(timedelta(minutes=10), lost=True) == 1000
    assert demo(timedelta(hours=20), lost=True) == 3000


def test_large_vehicles_pay_10_yuan_for_2_hours_4_per_started_hour_at_most_40() -> None:
    assert demo(timedelta(minutes=10), rules=DEMO_LARGE) == 1000
    assert demo(timedelta(hours=2), rules=DEMO_LARGE) == 1000
    assert demo(timedelta(hours=2, seconds=1), rules=DEMO_LARGE) == 1400
    assert demo(timedelta(hours=23), rules=DEMO_LARGE) == 4000
    assert demo(timedelta(hours=1), rules=DEMO_LARGE, lost=True) == 2000


def test_the_cashier_reads_each_line_in_chinese_or_english() -> None:
    fee = quote(DEMO_SMALL, ENTRY, ENTRY + timedelta(hours=26, seconds=1), lost_ticket=True)
    assert [line.fen for line in fee.lines] == [2000, 700, 1000]
    assert line_texts(fee, DEMO_SMALL, "zh-CN") == [
        "整 24 小时 × 1，每个 20 元（封顶）",
        "余下 2 小时 1 秒：首 2 小时 5 元，之后每 1 小时 2 元 × 1",
        "遗失停车卡加收",
    ]
    assert line_texts(fee, DEMO_SMALL, "en")[1] == (
        "Remaining 2 h 1 s: first 2 h ¥5; then 1 × ¥2 per started 1 h"
    )
    free = quote(DEMO_SMALL, ENTRY, ENTRY + timedelta(minutes=12))
    assert line_texts(free, DEMO_SMALL, "zh-CN") == ["停车 12 分，30 分钟内免费"]


def test_a_time_without_an_offset_is_refused() -> None:
    with pytest.raises(StayInvalid) as refused:
        quote(DEMO_SMALL, datetime(2026, 12, 6, 8), ENTRY)
    assert refused.value.field == "entry"


def test_an_exit_before_the_entry_is_refused() -> None:
    with pytest.raises(StayInvalid) as refused:
        quote(DEMO_SMALL, ENTRY, ENTRY - timedelta(seconds=1))
    assert refused.value.field == "exit"


def test_tariff_rules_round_trip_through_json() -> None:
    encoded = msgspec.json.encode(DEMO_SMALL)
    assert msgspec.json.decode(encoded, type=TariffRules) == DEMO_SMALL
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(b'{"cap_fen": -1}', type=TariffRules)


@pytest.mark.parametrize("row", EXAMPLES, ids=[row.why for row in EXAMPLES])
def test_every_worked_example(row: Example) -> None:
    assert compute(row).fee_fen == row.fee_fen


def test_the_pwa_reads_the_same_table() -> None:
    """Set FIELDKEEP_WRITE_TARIFF_EXAMPLES=1 to rewrite the export after changing the table."""
    if os.environ.get(REWRITE_ENV):
        EXPORT.parent.mkdir(parents=True, exist_ok=True)
        EXPORT.write_bytes(export())
    assert EXPORT.read_bytes() == export()
