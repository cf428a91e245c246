"""What a report is (its name, titles, who may open it, its own filters, its chart) and the
helpers every report's builder shares: the row cap, shares, texts in the caller's language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from server.access import REPORT_READERS
from server.i18n import Language
from server.reports.schemas import Column, Ledger, Total

# No export runs unbounded: past this many rows a ledger lists the first and says so.
MAX_ROWS = 5000

Filters = dict[str, Any]
Build = Callable[[int, str, date, date, Filters, Language], Awaitable[Ledger]]


def say(language: Language, zh: str, en: str) -> str:
    return en if language == "en" else zh


def positive_id(value: str) -> int:
    number = int(value)
    if not 1 <= number < 2**31:
        raise ValueError(value)
    return number


def share(part: int, whole: int) -> float:
    """Per cent, two places; 0 of 0 is shown as 0."""
    return round(part * 100 / whole, 2) if whole else 0.0


@dataclass(frozen=True)
class Filter:
    """A report's own query parameter. `choice` takes one of `choices` (value, zh, en);
    `person` a user id; `text` what `parse` takes (raising ValueError on a bad value)."""

    name: str
    zh: str
    en: str
    kind: Literal["choice", "person", "text"] = "text"
    choices: tuple[tuple[str, str, str], ...] = ()
    parse: Callable[[str], Any] = str

    def title(self, language: Language) -> str:
        return say(language, self.zh, self.en)

    def parsed(self, value: str) -> Any:
        if self.kind == "choice":
            if value not in {c[0] for c in self.choices}:
                raise ValueError(value)
            return value
        if self.kind == "person":
            return positive_id(value)
        return self.parse(value)


def choice(name: str, zh: str, en: str, texts: dict[str, tuple[str, str]]) -> Filter:
    """A choice filter whose values and titles are a status table's."""
    return Filter(name, zh, en, "choice", tuple((k, z, e) for k, (z, e) in texts.items()))


@dataclass(frozen=True)
class Chart:
    """The dashboard's chart of a report's rows: `x` and `series` are column keys."""

    kind: Literal["bar", "line"]
    x: str
    series: tuple[str, ...]
    stacked: bool = False


@dataclass(frozen=True)
class Report:
    name: str
    zh: str
    en: str
    build: Build
    filters: tuple[Filter, ...] = ()
    chart: Chart | None = None
    approved_only: bool = False  # counts approved records only (reviewed patrols, inspections)
    roles: frozenset[str] = REPORT_READERS  # within the route's (server/access.py)
    formats: tuple[str, ...] = ("json", "xlsx", "csv", "pdf")

    def filter(self, name: str) -> Filter | None:
        return next((f for f in self.filters if f.name == name), None)

    async def run(
        self,
        site_id: int,
        site_name: str,
        since: date,
        until: date,
        filters: Filters,
        language: Language,
    ) -> Ledger:
        found = await self.build(site_id, site_name, since, until, filters, language)
        found.name, found.title_zh, found.title_en = self.name, self.zh, self.en
        found.approved_only = self.approved_only
        return found


def ledger(
    site_id: int,
    site_name: str,
    since: date,
    until: date,
    columns: list[Column],
    rows: Sequence[dict[str, Any]],
    totals: list[Total],
) -> Ledger:
    """A ledger of the rows, capped at MAX_ROWS (its name and titles are the report's, set by
    Report.run)."""
    return Ledger(
        name="",
        title_zh="",
        title_en="",
        site_id=site_id,
        site_name=site_name,
        date_from=since.isoformat(),
        date_to=until.isoformat(),
        columns=columns,
        rows=list(rows[:MAX_ROWS]),
        totals=totals,
        truncated=len(rows) > MAX_ROWS,
        row_limit=MAX_ROWS,
    )
