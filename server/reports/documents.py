"""The building blocks every report shares, one module for all: a ledger as a workbook (typed
cells: counts as numbers, fen as yuan with two decimals, dates as dates; frozen header, column
widths, headers in the caller's language), as CSV (UTF-8 with BOM, server/csv_export.py) and as
an A4 PDF (the CJK font, site and period in every page's header, page numbers, signature lines;
drawn with server/printing.py so it reads back as text)."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

import xlsxwriter  # type: ignore[import-untyped]

from server.csv_export import spreadsheet_csv
from server.i18n import Language
from server.printing import A4_MM, Pages
from server.reports.schemas import Kind, Ledger
from server.sites.service import SiteClock

FOOTER_MM = 28  # room kept at the foot of the last page for the signature lines

WORDS: dict[str, tuple[str, str]] = {
    "site": ("项目", "Site"),
    "period": ("期间", "Period"),
    "printed": ("打印时间", "Printed"),
    "page": ("第 {n} / {of} 页", "Page {n} of {of}"),
    "totals": ("合计", "Totals"),
    "made_by": ("制表人签字：__________", "Prepared by: __________"),
    "checked_by": ("审核人签字：__________", "Checked by: __________"),
    "date": ("日期：__________", "Date: __________"),
    "approved_only": ("仅统计已审核记录", "Approved records only"),
    "capped": (
        "本表只列出前 {limit} 行，合计仍按全部记录计算；请缩小日期范围或加筛选条件。",
        "Only the first {limit} rows are listed (the totals count every record); "
        "narrow the period or add a filter.",
    ),
}


def word(key: str, language: Language, **params: object) -> str:
    zh, en = WORDS[key]
    return (en if language == "en" else zh).format(**params)


def yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100:,}.{abs(fen) % 100:02d}"


def cap_note(ledger: Ledger, language: Language) -> str:
    return word("capped", language, limit=ledger.row_limit) if ledger.truncated else ""


def printed_cell(value: Any, kind: Kind, clock: SiteClock) -> str:
    """A cell as text (CSV and PDF): yuan for fen, the site's time for an instant."""
    if value is None or value == "":
        return ""
    if kind == "fen":
        return f"{int(value) / 100:.2f}"
    if kind == "datetime":
        return clock.printed(str(value))
    if kind == "score":
        return f"{float(value):.2f}"
    return str(value)


def heading(ledger: Ledger, language: Language) -> str:
    """The line under a title: site and period, and whether only approved records count."""
    site = f"{word('site', language)}：{ledger.site_name}"
    line = f"{site}    {word('period', language)}：{period(ledger)}"
    return f"{line}    {word('approved_only', language)}" if ledger.approved_only else line


def period(ledger: Ledger) -> str:
    if ledger.date_from == ledger.date_to:
        return ledger.date_from
    return f"{ledger.date_from} ~ {ledger.date_to}"


# ---- CSV -----------------------------------------------------------------------------------


def ledger_csv(ledger: Ledger, language: Language, clock: SiteClock) -> bytes:
    """The header row, then the rows; a report of approved records only says so in a line of
    its own above the header."""
    header = [c.title(language) for c in ledger.columns]
    rows = [
        [printed_cell(row.get(c.key), c.kind, clock) for c in ledger.columns] for row in ledger.rows
    ]
    if ledger.approved_only:
        return spreadsheet_csv([word("approved_only", language)], [header, *rows])
    return spreadsheet_csv(header, rows)


# ---- XLSX ----------------------------------------------------------------------------------


def ledger_xlsx(ledger: Ledger, language: Language, clock: SiteClock) -> bytes:
    """One sheet: a title line, the header (frozen), the rows with typed cells, then the totals
    under it, each a number cell beside its label."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    bold = book.add_format({"bold": True})
    head = book.add_format({"bold": True, "bg_color": "#EEEEEE", "border": 1})
    formats = {
        "fen": book.add_format({"num_format": "#,##0.00"}),
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": book.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        "int": book.add_format({"num_format": "0"}),
        "score": book.add_format({"num_format": "0.00"}),
    }
    sheet = book.add_worksheet(ledger.title(language)[:31])
    sheet.write_string(0, 0, f"{ledger.title(language)}    {heading(ledger, language)}", bold)
    for i, column in enumerate(ledger.columns):
        sheet.write_string(1, i, column.title(language), head)
        sheet.set_column(i, i, column.width)
    sheet.freeze_panes(2, 0)
    r = 2
    for row in ledger.rows:
        for i, column in enumerate(ledger.columns):
            _cell(sheet, r, i, row.get(column.key), column.kind, formats, clock)
        r += 1
    r += 1
    if ledger.truncated:
        sheet.write_string(r, 0, cap_note(ledger, language))
        r += 1
    sheet.write_string(r, 0, word("totals", language), bold)
    r += 1
    for total in ledger.totals:
        sheet.write_string(r, 0, total.title(language))
        _cell(sheet, r, 1, total.value, total.kind, formats, clock)
        r += 1
    book.close()
    return out.getvalue()


def _cell(
    sheet: Any,
    r: int,
    c: int,
    value: Any,
    kind: Kind,
    formats: dict[str, Any],
    clock: SiteClock,
) -> None:
    if value is None or value == "":
        sheet.write_blank(r, c, None)
    elif kind == "int":
        sheet.write_number(r, c, int(value), formats["int"])
    elif kind == "score":
        sheet.write_number(r, c, float(value), formats["score"])
    elif kind == "fen":  # yuan as a number: 1234 fen is 12.34, shown with two decimals
        sheet.write_number(r, c, int(value) / 100, formats["fen"])
    elif kind == "date":
        sheet.write_datetime(
            r,
            c,
            datetime.combine(date.fromisoformat(str(value)), datetime.min.time()),
            formats["date"],
        )
    elif kind == "datetime":  # Excel has no zones: the site's wall time
        local = clock.now(datetime.fromisoformat(str(value))).replace(tzinfo=None)
        sheet.write_datetime(r, c, local, formats["datetime"])
    else:
        sheet.write_string(r, c, str(value))


# ---- PDF -----------------------------------------------------------------------------------


def ledger_pdf(ledger: Ledger, language: Language, clock: SiteClock) -> bytes:
    """A4 pages (server/printing.py `Pages`): the title, site and period and the column headings
    on every page, the rows, the totals and the signature lines; numbered pages."""
    total = sum(c.width for c in ledger.columns) or 1
    room_mm = 210 - 2 * 12
    xs, x = [], 0.0
    for c in ledger.columns:
        xs.append(x)
        x += room_mm * c.width / total

    def header(p: Pages) -> None:
        p.line(ledger.title(language), 5.5)
        p.line(heading(ledger, language), 3.4)
        p.rule()
        p.row(list(zip(xs, (c.title(language) for c in ledger.columns), strict=True)), 3.0)
        p.rule()

    p = Pages(A4_MM, header=header, page_label=word("page", language, n="{n}", of="{of}"))
    for row in ledger.rows:
        cells = (printed_cell(row.get(c.key), c.kind, clock) for c in ledger.columns)
        p.row(list(zip(xs, cells, strict=True)), 3.0, pad_mm=1.5)
    p.rule()
    if ledger.truncated:
        p.line(cap_note(ledger, language), 3.0)
    lines = [(word("totals", language), "")] + [
        (t.title(language), printed_cell(t.value, t.kind, clock)) for t in ledger.totals
    ]
    if not p.room_for(len(lines) * 3.4 * 1.5 + FOOTER_MM):
        p.new_page()
    for label, value in lines:
        p.row([(0, label), (70, value)])
    p.signatures([word("made_by", language), word("checked_by", language), word("date", language)])
    return p.pdf()
