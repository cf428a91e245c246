"""The reports door: which reports the caller may open, and one report of a site and period as
JSON, XLSX, CSV or PDF. Query parameters are checked by hand: an unknown filter is refused with
its name, not ignored (a typo must not silently widen a report)."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import Provide

from server.auth.guards import provide_current_user
from server.auth.service import CurrentUser
from server.errors import AppError
from server.i18n import Language, language_of
from server.openapi import CSV, PDF, XLSX, files, refusals
from server.printing import FontMissing
from server.reports.catalog import REPORTS
from server.reports.documents import cap_note, ledger_csv, ledger_pdf, ledger_xlsx
from server.reports.report import Report
from server.reports.schemas import (
    ChartRead,
    ChoiceRead,
    FilterRead,
    Ledger,
    ReportColumnRead,
    ReportListItem,
    ReportRead,
    ReportTitle,
    ReportTotalRead,
)
from server.sites.service import site_clock, site_names

COMMON = frozenset({"site_id", "from", "to", "format", "offset", "limit"})
PAGE = 100  # JSON rows per page unless `limit` says otherwise
MAX_PAGE = 500


def _may_open(user: CurrentUser, report: Report) -> bool:
    return user.has_any_role(*report.roles)


def _site_id(value: str | None) -> int:
    if not value or not value.isascii() or not value.isdigit() or not 1 <= int(value) < 2**31:
        raise AppError("invalid_args", 400, field="site_id")
    return int(value)


def _day(value: str | None, field: str) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        raise AppError("invalid_args", 400, field=field) from None


def _a_year_after(day: date) -> date:
    """The first day past a year from `day`: 2026-01-01 → 2027-01-01 (29 Feb → 1 Mar)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return date(day.year + 1, 3, 1)


def _count(value: str | None, field: str, default: int, low: int, high: int) -> int:
    if value is None:
        return default
    if not value.isascii() or not value.isdigit() or not low <= int(value) <= high:
        raise AppError("invalid_args", 400, field=field)
    return int(value)


def chart_of(report: Report) -> ChartRead | None:
    c = report.chart
    return ChartRead(c.kind, c.x, list(c.series), c.stacked) if c else None


def read_of(
    ledger: Ledger, report: Report, language: Language, offset: int = 0, limit: int = PAGE
) -> ReportRead:
    return ReportRead(
        name=ledger.name,
        title=ledger.title(language),
        site_id=ledger.site_id,
        site_name=ledger.site_name,
        date_from=ledger.date_from,
        date_to=ledger.date_to,
        columns=[ReportColumnRead(c.key, c.title(language), c.kind) for c in ledger.columns],
        rows=ledger.rows[offset : offset + limit],
        totals=[ReportTotalRead(t.key, t.title(language), t.value, t.kind) for t in ledger.totals],
        truncated=ledger.truncated,
        row_limit=ledger.row_limit,
        note=cap_note(ledger, language),
        offset=offset,
        limit=limit,
        row_count=len(ledger.rows),
        approved_only=ledger.approved_only,
        chart=chart_of(report),
    )


class ReportsController(Controller):
    path = "/api/reports"
    dependencies = {"user": Provide(provide_current_user)}  # noqa: RUF012

    @get("/")
    async def index(
        self, request: Request[Any, Any, Any], user: CurrentUser
    ) -> list[ReportListItem]:
        """The reports this caller may open: titles, formats, own filters (titled in the
        caller's language) and the dashboard chart of those that have one."""
        language = language_of(user.language, request.headers.get("accept-language"))
        return [
            ReportListItem(
                name=r.name,
                title=ReportTitle(zh_cn=r.zh, en=r.en),
                formats=list(r.formats),
                filters=[
                    FilterRead(
                        f.name,
                        f.title(language),
                        f.kind,
                        [ChoiceRead(v, en if language == "en" else zh) for v, zh, en in f.choices],
                    )
                    for f in r.filters
                ],
                chart=chart_of(r),
                approved_only=r.approved_only,
            )
            for r in REPORTS.values()
            if _may_open(user, r)
        ]

    @get(
        "/{name:str}",
        operation_class=files(answers=(CSV, XLSX, PDF)),
        responses=refusals(404, 503),
    )
    async def report(
        self, request: Request[Any, Any, Any], name: str, user: CurrentUser
    ) -> Response[Any]:
        report = REPORTS.get(name)
        if report is None:
            raise AppError("not_found", 404)
        if not _may_open(user, report):
            raise AppError("forbidden", 403)
        query = request.query_params
        for key in query:
            if key not in COMMON and report.filter(key) is None:
                raise AppError("unknown_filter", 400, field=key)
        if any(len(query.getall(key)) > 1 for key in query):
            raise AppError(
                "invalid_args", 400, field=next(k for k in query if len(query.getall(k)) > 1)
            )
        site_id = _site_id(query.get("site_id"))
        since, until = _day(query.get("from"), "from"), _day(query.get("to"), "to")
        if until < since or until >= _a_year_after(since):
            raise AppError("invalid_period", 400)
        fmt = query.get("format") or "json"
        if fmt not in report.formats:
            raise AppError("invalid_args", 400, field="format")
        offset = _count(query.get("offset"), "offset", 0, 0, 2**31 - 1)
        limit = _count(query.get("limit"), "limit", PAGE, 1, MAX_PAGE)
        filters: dict[str, Any] = {}
        for f in report.filters:
            if query.get(f.name):  # an empty filter (a cleared form field) is no filter
                try:
                    filters[f.name] = f.parsed(query[f.name])
                except ValueError:
                    raise AppError("invalid_args", 400, field=f.name) from None
        site_name = (await site_names([site_id])).get(site_id, "")
        language = language_of(user.language, request.headers.get("accept-language"))
        ledger = await report.run(site_id, site_name, since, until, filters, language)
        if fmt == "json":
            return Response(read_of(ledger, report, language, offset, limit))
        clock = await site_clock(site_id)
        filename = f"{name}-{since.isoformat()}-{until.isoformat()}.{fmt}"
        if fmt == "csv":
            return Response(
                ledger_csv(ledger, language, clock),
                media_type=CSV,
                headers={"Content-Disposition": f'attachment; filename="{filename}"'},
            )
        if fmt == "xlsx":
            return Response(
                ledger_xlsx(ledger, language, clock),
                media_type=XLSX,
                headers={"Content-Disposition": f'attachment; filename="{filename}"'},
            )
        try:
            pdf = ledger_pdf(ledger, language, clock)
        except FontMissing:
            raise AppError("font_missing", 503) from None
        return Response(
            pdf,
            media_type=PDF,
            headers={"Content-Disposition": f'inline; filename="{filename}"'},
        )


ROUTES = [ReportsController]
