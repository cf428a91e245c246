"""Units to and from CSV (楼栋, 单元, 房号, 面积, 状态; Building, Entrance, Unit, Area (m²), Status
in English): parsed and checked whole before anything is written, so an import either takes every
row or none. An export's headers and statuses follow the caller's language; an import reads
either."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from server.csv_export import spreadsheet_csv, unneutralised
from server.i18n import Language

COLUMNS = ("楼栋", "单元", "房号", "面积", "状态")
ENGLISH_COLUMNS = ("Building", "Entrance", "Unit", "Area (m²)", "Status")
# An English header read as the Chinese column it names (case and spaces aside).
ALIASES = {e.lower(): zh for e, zh in zip(ENGLISH_COLUMNS, COLUMNS, strict=True)}
REQUIRED = ("楼栋", "单元", "房号")
VACANT = {
    "空置": True,
    "vacant": True,
    "已入住": False,
    "入住": False,
    "occupied": False,
    "": False,
}
MAX_ROWS = 5000


@dataclass(frozen=True)
class UnitRow:
    line: int
    building: str
    entrance: str
    number: str
    area_m2: Decimal | None
    vacant: bool


@dataclass
class Parsed:
    rows: list[UnitRow] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    encoding: str = "utf-8"


def decode(body: bytes) -> tuple[str, str]:
    """UTF-8 (with or without a BOM), else GB18030 (a superset of GBK, what Excel on Chinese
    Windows writes)."""
    try:
        return body.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return body.decode("gb18030"), "gbk"


def parse(body: bytes, existing: set[tuple[str, str, str]]) -> Parsed:
    """Rows and row-level errors; `existing` holds (building, entrance, number) already stored."""
    result = Parsed()
    try:
        text, result.encoding = decode(body)
    except UnicodeDecodeError:
        result.errors.append(_error(1, "", "csv_encoding", "not UTF-8 or GBK"))
        return result
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    header = [ALIASES.get(h.lower(), h) for h in header]
    result.missing_columns = [c for c in REQUIRED if c not in header]
    if result.missing_columns:
        return result
    index = {name: header.index(name) for name in COLUMNS if name in header}
    seen: dict[tuple[str, str, str], int] = {}
    for line, raw in enumerate(reader, start=2):
        if not any(cell.strip() for cell in raw):
            continue
        if len(result.rows) + len(result.errors) >= MAX_ROWS:
            result.errors.append(_error(line, "", "csv_too_many_rows", f"at most {MAX_ROWS}"))
            break

        def cell(name: str, raw: list[str] = raw) -> str:
            i = index.get(name)
            return unneutralised(raw[i].strip()) if i is not None and i < len(raw) else ""

        building, entrance, number = cell("楼栋"), cell("单元"), cell("房号")
        row_errors = [
            _error(line, name, "required", "empty")
            for name, value in (("楼栋", building), ("房号", number))
            if not value
        ]
        for name, value, limit in (
            ("楼栋", building, 64),
            ("单元", entrance, 16),
            ("房号", number, 32),
        ):
            if len(value) > limit:
                row_errors.append(_error(line, name, "too_long", f"at most {limit} characters"))
        area: Decimal | None = None
        if cell("面积"):
            try:
                area = Decimal(cell("面积"))
                if not Decimal(0) < area < Decimal(100_000):
                    raise InvalidOperation
            except InvalidOperation:
                row_errors.append(_error(line, "面积", "bad_area", "a positive number of m²"))
        status = cell("状态").lower()
        if status not in VACANT:
            row_errors.append(_error(line, "状态", "bad_status", "空置 or 已入住"))
        ident = (building, entrance, number)
        if ident in seen:
            row_errors.append(
                _error(line, "房号", "duplicate_in_file", f"same as line {seen[ident]}")
            )
        elif ident in existing:
            row_errors.append(_error(line, "房号", "unit_exists", "already in this site"))
        seen.setdefault(ident, line)
        if row_errors:
            result.errors.extend(row_errors)
        else:
            result.rows.append(UnitRow(line, building, entrance, number, area, VACANT[status]))
    return result


def _error(line: int, column: str, code: str, message: str) -> dict[str, Any]:
    return {"line": line, "column": column, "code": code, "message": message}


def export(units: list[dict[str, Any]], language: Language = "zh-CN") -> bytes:
    english = language == "en"
    return spreadsheet_csv(
        ENGLISH_COLUMNS if english else COLUMNS,
        (
            [
                u["building.name"],
                u["entrance"],
                u["number"],
                "" if u["area_m2"] is None else f"{Decimal(u['area_m2']):.2f}",
                ("vacant" if u["vacant"] else "occupied")
                if english
                else ("空置" if u["vacant"] else "已入住"),
            ]
            for u in units
        ),
    )
