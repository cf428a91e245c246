"""The parking tariff engine: a pure function from tariff rules and a stay to a fee in fen, with
the lines a cashier reads out. The PWA runs a port of it (pwa/src/parking/tariff.ts) on the same
rules; one table of worked examples (tests/server/parking/) holds both to the same answers.

How a stay is charged:
- A whole stay of at most `free_minutes` is free. A longer stay is charged from entry.
- The stay is cut into periods: 24 hours from entry (`cap_per="24h"`), or calendar days in the
  site's time zone (`cap_per="day"`, cut at local midnights).
- Each period is charged as a stay of its own: `first_period_fen` for its first
  `first_period_minutes`, then `unit_fen` per started `unit_minutes`; at most `cap_fen`. A
  period of zero length costs nothing; the free minutes never apply to a period.
- A lost ticket adds `lost_ticket_fen` after the cap, even when the stay is free.

Durations are whole seconds: both instants are floored to their second, so 2 h 0 min 0 s is
within a 2-hour first period and 2 h 0 min 1 s starts the next unit.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Literal, NamedTuple
from zoneinfo import ZoneInfo

import msgspec

from server.i18n import Language

Fen = Annotated[int, msgspec.Meta(ge=0, le=10_000_000)]
Minutes = Annotated[int, msgspec.Meta(ge=0, le=1440)]
UnitMinutes = Annotated[int, msgspec.Meta(ge=1, le=1440)]

DAY_SECONDS = 86_400
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)


class TariffRules(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """One vehicle class's tariff, as data: stored as JSON and run the same by the PWA."""

    free_minutes: Minutes = 0
    first_period_minutes: Minutes = 0
    first_period_fen: Fen = 0
    unit_minutes: UnitMinutes = 60
    unit_fen: Fen = 0
    cap_fen: Fen
    cap_per: Literal["24h", "day"] = "24h"
    lost_ticket_fen: Fen = 0


class FeeLine(msgspec.Struct, kw_only=True, frozen=True):
    """One line of a fee. `whole`: `count` whole periods (24 h, or local days from `day`) at
    `fen // count` each; `part`: one shorter period of `seconds`, `units` started units after
    the first period, `capped` when the cap cut it; `free`: the whole stay within the free
    minutes; `lost_ticket`: the surcharge."""

    kind: Literal["free", "whole", "part", "lost_ticket"]
    fen: int
    count: int = 1
    seconds: int = 0
    units: int = 0
    capped: bool = False
    day: str | None = None


class Fee(msgspec.Struct, kw_only=True, frozen=True):
    fee_fen: int
    seconds: int
    lines: list[FeeLine]


class StayInvalid(ValueError):
    """A stay the engine cannot price: a naive instant, or an exit before the entry."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def epoch_seconds(at: datetime, field: str) -> int:
    """The instant floored to its whole second; a time without an offset is refused."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise StayInvalid(field, "a time needs its UTC offset")
    return (at - _EPOCH) // _SECOND


def _period_charge(rules: TariffRules, seconds: int) -> tuple[int, int, bool]:
    """(fen, started units after the first period, capped) for one period of `seconds`."""
    if seconds <= 0:
        return 0, 0, False
    first = rules.first_period_minutes * 60
    unit = rules.unit_minutes * 60
    units = 0 if seconds <= first else -(-(seconds - first) // unit)
    fen = rules.first_period_fen + units * rules.unit_fen
    if fen > rules.cap_fen:
        return rules.cap_fen, units, True
    return fen, units, False


class _Period(NamedTuple):
    start: int
    end: int
    whole: bool  # a full 24 h, or a local day from midnight to midnight
    day: str | None  # the local day, for calendar-day caps


@functools.lru_cache(maxsize=4096)
def _local_midnight(day: date, zone: ZoneInfo) -> int:
    """Epoch seconds of the first instant of `day` in the zone (PEP 495 fold=0: where DST skips
    midnight, the offset before the change)."""
    return (datetime.combine(day, time(), zone) - _EPOCH) // _SECOND


def _periods(rules: TariffRules, start: int, end: int, zone: ZoneInfo) -> list[_Period]:
    """The stay [start, end) cut into periods of 24 h from entry, or at the zone's midnights."""
    if rules.cap_per == "24h":
        return [
            _Period(a, min(a + DAY_SECONDS, end), a + DAY_SECONDS <= end, None)
            for a in range(start, end, DAY_SECONDS)
        ]
    periods: list[_Period] = []
    day = datetime.fromtimestamp(start, zone).date()
    # The day whose midnight is the last one not after the entry (a clock set back over
    # midnight shows a wall-clock date a day early).
    while _local_midnight(day + timedelta(days=1), zone) <= start:
        day += timedelta(days=1)
    a, midnight = start, _local_midnight(day, zone)
    while a < end:
        following = _local_midnight(day + timedelta(days=1), zone)
        whole = a == midnight and following <= end
        periods.append(_Period(a, min(following, end), whole, day.isoformat()))
        a = midnight = following
        day += timedelta(days=1)
    return periods


def quote(
    rules: TariffRules,
    entry: datetime,
    exit: datetime,
    *,
    lost_ticket: bool = False,
    zone: ZoneInfo | None = None,
) -> Fee:
    """The fee for a stay from `entry` to `exit` (aware datetimes, any offsets). `zone` is the
    site's time zone, used only by calendar-day caps (Asia/Shanghai when not given)."""
    start, end = epoch_seconds(entry, "entry"), epoch_seconds(exit, "exit")
    if end < start:
        raise StayInvalid("exit", "the exit is before the entry")
    seconds = end - start
    lines: list[FeeLine] = []
    if seconds <= rules.free_minutes * 60:
        lines.append(FeeLine(kind="free", fen=0, seconds=seconds))
    else:
        for period in _periods(rules, start, end, zone or ZoneInfo("Asia/Shanghai")):
            fen, units, capped = _period_charge(rules, period.end - period.start)
            last = lines[-1] if lines else None
            if not period.whole:
                lines.append(
                    FeeLine(
                        kind="part",
                        fen=fen,
                        seconds=period.end - period.start,
                        units=units,
                        capped=capped,
                        day=period.day,
                    )
                )
            elif (
                last
                and last.kind == "whole"
                and (last.fen, last.capped) == (fen * last.count, capped)
            ):
                # Whole periods at the same price read as one line: "2 × 24 h at the cap".
                lines[-1] = msgspec.structs.replace(last, fen=last.fen + fen, count=last.count + 1)
            else:
                lines.append(FeeLine(kind="whole", fen=fen, capped=capped, day=period.day))
    if lost_ticket:
        lines.append(FeeLine(kind="lost_ticket", fen=rules.lost_ticket_fen))
    return Fee(fee_fen=sum(line.fen for line in lines), seconds=seconds, lines=lines)


# What a cashier reads out, per language; pwa/src/parking/texts.ts holds the same templates
# and the shared table of examples checks that both say the same words.
LINE_TEXTS: dict[Language, dict[str, str]] = {
    "zh-CN": {
        "free": "停车 {stay}，{free} 分钟内免费",
        "whole_24h": "整 24 小时 × {count}，每个 {each}{cap}",
        "whole_days": "{day}起整天 × {count}，每天 {each}{cap}",
        "cap_mark": "（封顶）",
        "part_day": "{day} {stay}：{detail}",
        "part_rest": "余下 {stay}：{detail}",
        "part_stay": "停车 {stay}：{detail}",
        "first": "首 {first} {price}",
        "then": "之后每 {unit} {price} × {units}",
        "capped": "封顶 {cap}",
        "join": "，",
        "lost_ticket": "遗失停车卡加收",
        "yuan": "{amount} 元",
        "hours": "{n} 小时",
        "minutes": "{n} 分",
        "seconds": "{n} 秒",
        "date": "{month}月{day}日",
    },
    "en": {
        "free": "Stay of {stay}: free within {free} min",
        "whole_24h": "Full 24 h × {count}, {each} each{cap}",
        "whole_days": "Whole days × {count} from {day}, {each} each{cap}",
        "cap_mark": " (the cap)",
        "part_day": "{day}: {stay}: {detail}",
        "part_rest": "Remaining {stay}: {detail}",
        "part_stay": "Stay of {stay}: {detail}",
        "first": "first {first} {price}",
        "then": "then {units} × {price} per started {unit}",
        "capped": "capped at {cap}",
        "join": "; ",
        "lost_ticket": "Lost ticket surcharge",
        "yuan": "¥{amount}",
        "hours": "{n} h",
        "minutes": "{n} min",
        "seconds": "{n} s",
        "date": "{iso}",
    },
}


def line_texts(fee: Fee, rules: TariffRules, language: Language) -> list[str]:
    """What the cashier reads out for each of the fee's lines, in zh-CN or English."""
    texts = LINE_TEXTS[language]

    def yuan(fen: int) -> str:
        amount = f"{fen // 100}" if fen % 100 == 0 else f"{fen // 100}.{fen % 100:02d}"
        return texts["yuan"].format(amount=amount)

    def duration(seconds: int) -> str:
        hours, rest = divmod(seconds, 3600)
        parts = zip(("hours", "minutes", "seconds"), (hours, *divmod(rest, 60)), strict=True)
        return " ".join(texts[k].format(n=n) for k, n in parts if n) or texts["minutes"].format(n=0)

    def local_date(day: str) -> str:
        d = date.fromisoformat(day)
        return texts["date"].format(month=d.month, day=d.day, iso=day)

    out = []
    after_whole = False
    for line in fee.lines:
        if line.kind == "free":
            out.append(texts["free"].format(stay=duration(line.seconds), free=rules.free_minutes))
        elif line.kind == "whole":
            after_whole = True
            template = texts["whole_24h" if line.day is None else "whole_days"]
            out.append(
                template.format(
                    count=line.count,
                    each=yuan(line.fen // line.count),
                    cap=texts["cap_mark"] if line.capped else "",
                    day=local_date(line.day) if line.day else "",
                )
            )
        elif line.kind == "part":
            detail = []
            if rules.first_period_minutes:
                first = duration(rules.first_period_minutes * 60)
                detail.append(
                    texts["first"].format(first=first, price=yuan(rules.first_period_fen))
                )
            if line.units:
                unit = duration(rules.unit_minutes * 60)
                price = yuan(rules.unit_fen)
                detail.append(texts["then"].format(unit=unit, price=price, units=line.units))
            if line.capped:
                detail.append(texts["capped"].format(cap=yuan(rules.cap_fen)))
            key = "part_day" if line.day else "part_rest" if after_whole else "part_stay"
            out.append(
                texts[key].format(
                    day=local_date(line.day) if line.day else "",
                    stay=duration(line.seconds),
                    detail=texts["join"].join(detail),
                )
            )
        else:
            out.append(texts["lost_ticket"])
    return out
