"""The one table of worked tariff examples: the Python engine is tested on it here, and its JSON
export (pwa/test/parking/tariff-examples.json) holds the PWA's TypeScript port to the same
answers, line by line."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

import msgspec

from server.parking.demo import DEMO_LARGE, DEMO_SMALL
from server.parking.tariff import LINE_TEXTS, Fee, TariffRules, line_texts, quote

EXPORT = Path(__file__).parents[3] / "pwa" / "test" / "parking" / "tariff-examples.json"
REWRITE_ENV = "FIELDKEEP_WRITE_TARIFF_EXAMPLES"

RULES: dict[str, dict[str, TariffRules]] = {
    "demo": {"small": DEMO_SMALL, "large": DEMO_LARGE},
    # The demo tariff capped per calendar day in the site's zone instead of per 24 h.
    "demo_day": {
        "small": msgspec.structs.replace(DEMO_SMALL, cap_per="day"),
        "large": msgspec.structs.replace(DEMO_LARGE, cap_per="day"),
    },
    # 15 min free, 3 yuan the first hour, 1 yuan per started half hour, 15 yuan per 24 h.
    "half_hours": {
        "small": TariffRules(
            free_minutes=15,
            first_period_minutes=60,
            first_period_fen=300,
            unit_minutes=30,
            unit_fen=100,
            cap_fen=1500,
            lost_ticket_fen=500,
        )
    },
}

# One row a stay, under a comment saying what it shows: rules, vehicle class, site zone (SH
# Asia/Shanghai, NY America/New_York), entry, exit, lost ticket, the fee in fen worked by hand.
TABLE = """
# 0 s
demo       small SH  2026-12-06T08:00:00+08:00     2026-12-06T08:00:00+08:00     -        0
# 30 min free
demo       small SH  2026-12-06T08:00:00+08:00     2026-12-06T08:30:00+08:00     -        0
# 30 min 1 s: from entry
demo       small SH  2026-12-06T08:00:00+08:00     2026-12-06T08:30:01+08:00     -      500
# 2 h: first period
demo       small SH  2026-12-06T08:00:00+08:00     2026-12-06T10:00:00+08:00     -      500
# 2 h 1 s: a started hour
demo       small SH  2026-12-06T08:00:00+08:00     2026-12-06T10:00:01+08:00     -      700
# 3 h
demo       small SH  2026-12-06T08:00:00+08:00     2026-12-06T11:00:00+08:00     -      700
# 3 h 1 s
demo       small SH  2026-12-06T08:00:00+08:00     2026-12-06T11:00:01+08:00     -      900
# 9 h: under the cap
demo       small SH  2026-12-06T08:00:00+08:00     2026-12-06T17:00:00+08:00     -     1900
# 9 h 1 s: the cap
demo       small SH  2026-12-06T08:00:00+08:00     2026-12-06T17:00:01+08:00     -     2000
# 24 h
demo       small SH  2026-12-06T08:00:00+08:00     2026-12-07T08:00:00+08:00     -     2000
# 24 h 1 s: no free minutes in a remainder
demo       small SH  2026-12-06T08:00:00+08:00     2026-12-07T08:00:01+08:00     -     2500
# 24 h 30 min
demo       small SH  2026-12-06T08:00:00+08:00     2026-12-07T08:30:00+08:00     -     2500
# 24 h + 2 h + 1 s
demo       small SH  2026-12-06T08:00:00+08:00     2026-12-07T10:00:01+08:00     -     2700
# 48 h: a zero remainder costs nothing
demo       small SH  2026-12-06T08:00:00+08:00     2026-12-08T08:00:00+08:00     -     4000
# 50 h 30 min
demo       small SH  2026-12-06T08:00:00+08:00     2026-12-08T10:30:00+08:00     -     4700
# lost ticket on a free stay
demo       small SH  2026-12-06T08:00:00+08:00     2026-12-06T08:10:00+08:00     lost  1000
# lost ticket after the cap
demo       small SH  2026-12-06T08:00:00+08:00     2026-12-06T17:00:01+08:00     lost  3000
# 30 h and a lost ticket
demo       small SH  2026-12-06T08:00:00+08:00     2026-12-07T14:00:00+08:00     lost  4300
# offsets differ: 2 h
demo       small SH  2026-12-06T00:00:00Z          2026-12-06T10:00:00+08:00     -      500
# instants floored to the second
demo       small SH  2026-12-06T08:00:00.500+08:00 2026-12-06T10:00:01.200+08:00 -      700
# 2 h 0 s after flooring
demo       small SH  2026-12-06T08:00:00.900+08:00 2026-12-06T10:00:00.999+08:00 -      500
# large: 0 s
demo       large SH  2026-12-06T08:00:00+08:00     2026-12-06T08:00:00+08:00     -        0
# large: no free minutes
demo       large SH  2026-12-06T08:00:00+08:00     2026-12-06T08:00:01+08:00     -     1000
# large: 2 h
demo       large SH  2026-12-06T08:00:00+08:00     2026-12-06T10:00:00+08:00     -     1000
# large: 2 h 1 s
demo       large SH  2026-12-06T08:00:00+08:00     2026-12-06T10:00:01+08:00     -     1400
# large: 8 h 1 s
demo       large SH  2026-12-06T08:00:00+08:00     2026-12-06T16:00:01+08:00     -     3800
# large: the cap
demo       large SH  2026-12-06T08:00:00+08:00     2026-12-06T17:00:01+08:00     -     4000
# large: 24 h 1 s
demo       large SH  2026-12-06T08:00:00+08:00     2026-12-07T08:00:01+08:00     -     5000
# large: lost ticket
demo       large SH  2026-12-06T08:00:00+08:00     2026-12-06T09:00:00+08:00     lost  2000
# two days, each from its first period
demo_day   small SH  2026-12-06T22:00:00+08:00     2026-12-07T01:00:00+08:00     -     1000
# three days at the cap
demo_day   small SH  2026-12-06T08:00:00+08:00     2026-12-08T20:00:00+08:00     -     6000
# one whole local day
demo_day   small SH  2026-12-06T00:00:00+08:00     2026-12-07T00:00:00+08:00     -     2000
# the same day given in UTC
demo_day   small SH  2026-12-05T16:00:00Z          2026-12-06T16:00:00Z          -     2000
# free across midnight
demo_day   small SH  2026-12-06T23:55:00+08:00     2026-12-07T00:05:00+08:00     -        0
# 40 min across midnight
demo_day   small SH  2026-12-06T23:50:00+08:00     2026-12-07T00:30:00+08:00     -     1000
# a 25-hour local day
demo_day   small NY  2026-11-01T00:00:00-04:00     2026-11-02T00:00:00-05:00     -     2000
# across midnight and the clock change
demo_day   small NY  2026-10-31T22:00:00-04:00     2026-11-01T01:30:00-05:00     -     1200
# large: a 23-hour day between two parts, lost
demo_day   large NY  2026-03-07T20:00:00-05:00     2026-03-09T09:00:00-04:00     lost 10600
# 15 min free
half_hours small SH  2026-12-06T08:00:00+08:00     2026-12-06T08:15:00+08:00     -        0
# 16 min
half_hours small SH  2026-12-06T08:00:00+08:00     2026-12-06T08:16:00+08:00     -      300
# 61 min
half_hours small SH  2026-12-06T08:00:00+08:00     2026-12-06T09:01:00+08:00     -      400
# 1 h 30 min
half_hours small SH  2026-12-06T08:00:00+08:00     2026-12-06T09:30:00+08:00     -      400
# 1 h 30 min 1 s
half_hours small SH  2026-12-06T08:00:00+08:00     2026-12-06T09:30:01+08:00     -      500
# 24 h 10 min, lost
half_hours small SH  2026-12-06T08:00:00+08:00     2026-12-07T08:10:00+08:00     lost  2300
"""

ZONES = {"SH": "Asia/Shanghai", "NY": "America/New_York"}


class Example(NamedTuple):
    rules: str
    vehicle_class: str
    zone: str
    entry: str
    exit: str
    lost_ticket: bool
    fee_fen: int
    why: str


def _parse(table: str) -> list[Example]:
    rows, why = [], ""
    for line in table.strip().splitlines():
        if line.startswith("#"):
            why = line.lstrip("# ")
            continue
        name, vehicle_class, zone, entry, exit, lost, fen = line.split()
        rows.append(
            Example(name, vehicle_class, ZONES[zone], entry, exit, lost == "lost", int(fen), why)
        )
    return rows


EXAMPLES = _parse(TABLE)


def compute(row: Example) -> Fee:
    return quote(
        RULES[row.rules][row.vehicle_class],
        datetime.fromisoformat(row.entry),
        datetime.fromisoformat(row.exit),
        lost_ticket=row.lost_ticket,
        zone=ZoneInfo(row.zone),
    )


def export() -> bytes:
    """The table with the engine's lines and their texts, as the TypeScript test reads it."""
    document = {
        "rules": RULES,
        "examples": [
            {
                **row._asdict(),
                "lines": (fee := compute(row)).lines,
                "texts": {
                    language: line_texts(fee, RULES[row.rules][row.vehicle_class], language)
                    for language in LINE_TEXTS
                },
            }
            for row in EXAMPLES
        ],
    }
    return msgspec.json.format(msgspec.json.encode(document), indent=2) + b"\n"
