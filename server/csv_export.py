"""CSV files people open in Excel or WPS: UTF-8 with a BOM (Chinese Windows opens it without
garbling) and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

# A cell starting with one of these is a formula (or becomes one) in Excel, WPS and LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(cell: str) -> str:
    """Text a spreadsheet shows as text: a leading single quote, which Excel hides."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def unneutralised(cell: str) -> str:
    """A cell read back from one of our files: the quote `neutralised` added taken off."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


def spreadsheet_csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([neutralised(cell) for cell in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")
