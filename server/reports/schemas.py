"""A ledger as every format sees it: typed columns, rows, and the totals the formats repeat."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from server.i18n import Language

# How a column's cells are typed: text, a count, money in integer fen, a date, an instant
# (ISO text, printed in the site's zone), a score with two decimals.
Kind = Literal["text", "int", "fen", "date", "datetime", "score"]


class Column(msgspec.Struct, frozen=True):
    key: str
    zh: str
    en: str
    kind: Kind = "text"
    width: int = 14  # characters, for the spreadsheet and the PDF

    def title(self, language: Language) -> str:
        return self.en if language == "en" else self.zh


class Total(msgspec.Struct, frozen=True):
    key: str
    zh: str
    en: str
    value: int | float
    kind: Kind = "int"

    def title(self, language: Language) -> str:
        return self.en if language == "en" else self.zh


class Ledger(msgspec.Struct):
    """One report of one site and period. `rows` hold plain values by column key: int, fen as
    int, dates as ISO text, instants as ISO text. `truncated` says the rows were capped at
    `row_limit` (the totals still count every row)."""

    name: str
    title_zh: str
    title_en: str
    site_id: int
    site_name: str
    date_from: str
    date_to: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    totals: list[Total]
    truncated: bool = False
    row_limit: int = 0
    approved_only: bool = False  # built from approved records only; every format's header says so

    def title(self, language: Language) -> str:
        return self.title_en if language == "en" else self.title_zh


class ReportColumnRead(msgspec.Struct):
    key: str
    title: str
    kind: str


class ReportTotalRead(msgspec.Struct):
    key: str
    title: str
    value: int | float
    kind: str


class ChoiceRead(msgspec.Struct):
    value: str
    title: str


class FilterRead(msgspec.Struct):
    """A report's own filter: `person` takes a user id, `choice` one of `choices`' values."""

    name: str
    title: str
    kind: Literal["choice", "person", "text"]
    choices: list[ChoiceRead]


class ChartRead(msgspec.Struct):
    """How the dashboard draws the rows: `x` and `series` are column keys."""

    kind: Literal["bar", "line"]
    x: str
    series: list[str]
    stacked: bool


class ReportRead(msgspec.Struct):
    name: str
    title: str
    site_id: int
    site_name: str
    date_from: str = msgspec.field(name="from")
    date_to: str = msgspec.field(name="to")
    columns: list[ReportColumnRead]
    rows: list[dict[str, Any]]
    totals: list[ReportTotalRead]
    truncated: bool
    row_limit: int
    note: str  # what a capped ledger says, in the caller's language; "" when complete
    # JSON pages: `rows` are rows offset … offset + limit of the `row_count` listed (after the
    # MAX_ROWS cap); the totals always count every matching record.
    offset: int
    limit: int
    row_count: int
    approved_only: bool
    chart: ChartRead | None


class ReportTitle(msgspec.Struct):
    zh_cn: str = msgspec.field(name="zh-CN")
    en: str


class ReportListItem(msgspec.Struct):
    name: str
    title: ReportTitle
    formats: list[str]
    filters: list[FilterRead]
    chart: ChartRead | None
    approved_only: bool
