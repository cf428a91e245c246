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
from PIL import Image, ImageDraw

from server.csv_export import spreadsheet_csv
from server.i18n import Language
from server.printing import TextRun, cjk_font_path, fit, font, pdf_with_text
from server.reports.schemas import Kind, Ledger
from server.sites.service import SiteClock

DPI = 150
MM = DPI / 25.4
A4 = (round(210 * MM), round(297 * MM))
MARGIN = round(12 * MM)
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


def period(ledger: Ledger) -> str:
    if ledger.date_from == ledger.date_to:
        return ledger.date_from
    return f"{ledger.date_from} ~ {ledger.date_to}"


# ---- CSV -----------------------------------------------------------------------------------


def ledger_csv(ledger: Ledger, language: Language, clock: SiteClock) -> bytes:
    header = [c.title(language) for c in ledger.columns]
    rows = (
        [printed_cell(row.get(c.key), c.kind, clock) for c in ledger.columns] for row in ledger.rows
    )
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
    sheet.write_string(
        0, 0, f"{ledger.title(language)}  {ledger.site_name}  {period(ledger)}", bold
    )
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


class _Pages:
    """A4 pages with a header (title, site, period) and a table; page numbers are drawn when
    the count is known."""

    def __init__(self, ledger: Ledger, language: Language) -> None:
        cjk_font_path()  # refuse before drawing anything
        self.ledger = ledger
        self.language = language
        self.pages: list[tuple[Image.Image, list[TextRun]]] = []
        self.y = 0
        total = sum(c.width for c in ledger.columns) or 1
        room = A4[0] - 2 * MARGIN
        self.xs = []
        x = 0.0
        for c in ledger.columns:
            self.xs.append(MARGIN + round(x))
            x += room * c.width / total
        self._new_page()

    def text(self, x: int, text: str, size_mm: float, end: int | None = None) -> None:
        px = round(size_mm * MM)
        face = font(px)
        text = fit(text, face, (end or A4[0] - MARGIN) - x)
        if not text:
            return
        page, runs = self.pages[-1]
        ImageDraw.Draw(page).text((x, self.y), text, font=face, fill=0)
        runs.append(TextRun(x, self.y, px, text))

    def advance(self, size_mm: float, gap: float = 1.5) -> None:
        self.y += round(size_mm * MM * gap)

    def rule(self) -> None:
        ImageDraw.Draw(self.pages[-1][0]).line(
            (MARGIN, self.y, A4[0] - MARGIN, self.y), fill=0, width=2
        )
        self.y += round(1.5 * MM)

    def _new_page(self) -> None:
        self.pages.append((Image.new("1", A4, 1), []))
        self.y = MARGIN
        ledger, language = self.ledger, self.language
        self.text(MARGIN, ledger.title(language), 5.5)
        self.advance(5.5)
        site = f"{word('site', language)}：{ledger.site_name}"
        self.text(MARGIN, f"{site}    {word('period', language)}：{period(ledger)}", 3.4)
        self.advance(3.4)
        self.rule()
        self.row([c.title(language) for c in ledger.columns])
        self.rule()

    def room_for(self, mm: float) -> bool:
        return self.y + round(mm * MM) <= A4[1] - MARGIN - round(8 * MM)

    def row(self, cells: list[str], size_mm: float = 3.0) -> None:
        if not self.room_for(size_mm * 1.5):
            self._new_page()
        for k, text in enumerate(cells):
            end = self.xs[k + 1] - round(1.5 * MM) if k + 1 < len(self.xs) else None
            self.text(self.xs[k], text, size_mm, end)
        self.advance(size_mm)

    def pdf(self) -> bytes:
        count = len(self.pages)
        for n, (page, runs) in enumerate(self.pages, start=1):
            label = word("page", self.language, n=n, of=count)
            px = round(3.0 * MM)
            face = font(px)
            x = round((A4[0] - face.getlength(label)) / 2)
            y = A4[1] - MARGIN - px
            ImageDraw.Draw(page).text((x, y), label, font=face, fill=0)
            runs.append(TextRun(x, y, px, label))
        return pdf_with_text(self.pages, DPI)


def ledger_pdf(ledger: Ledger, language: Language, clock: SiteClock) -> bytes:
    p = _Pages(ledger, language)
    for row in ledger.rows:
        p.row([printed_cell(row.get(c.key), c.kind, clock) for c in ledger.columns])
    p.rule()
    if ledger.truncated:
        p.text(MARGIN, cap_note(ledger, language), 3.0)
        p.advance(3.0)
    lines = [(word("totals", language), "")] + [
        (t.title(language), printed_cell(t.value, t.kind, clock)) for t in ledger.totals
    ]
    if not p.room_for(len(lines) * 3.4 * 1.5 + FOOTER_MM):
        p._new_page()
    for label, value in lines:
        p.text(MARGIN, label, 3.4)
        p.text(MARGIN + round(70 * MM), value, 3.4)
        p.advance(3.4)
    p.advance(3.4, 2.5)
    p.text(MARGIN, word("made_by", language), 3.4)
    p.text(MARGIN + round(62 * MM), word("checked_by", language), 3.4)
    p.text(MARGIN + round(124 * MM), word("date", language), 3.4)
    p.advance(3.4)
    return p.pdf()
