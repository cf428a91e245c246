"""The audit log for managers (their sites) and admins (everything): filtered, paged, CSV."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.di import Provide
from litestar.params import QueryParameter

from server.audit.schemas import AuditEntryRead
from server.audit.tables import AuditEntry
from server.audit.words import action_words, outcome_words, source_words
from server.auth.guards import provide_current_user
from server.auth.service import CurrentUser, names_of
from server.csv_export import spreadsheet_csv
from server.errors import AppError
from server.i18n import Language, language_of
from server.openapi import CSV, Id, files
from server.sites.service import site_clock

MAX_ROWS = 500
MAX_DAYS = 366
CSV_HEADER = {
    "zh-CN": ["时间", "人员", "来源", "操作", "结果", "对象", "项目", "设备", "设备时间", "地址"],
    "en": [
        "Time",
        "Person",
        "Source",
        "Action",
        "Outcome",
        "Target",
        "Sites",
        "Device",
        "Device time",
        "Address",
    ],
}


class AuditController(Controller):
    path = "/api/audit"
    dependencies = {"user": Provide(provide_current_user)}  # noqa: RUF012

    @get("/", media_type="application/json", operation_class=files(answers=(CSV,)))
    async def entries(
        self,
        request: Request[Any, Any, Any],
        user: CurrentUser,
        site_id: Id,
        since: Annotated[date, QueryParameter(name="from")],
        until: Annotated[date, QueryParameter(name="to")],
        person: Annotated[int | None, QueryParameter(name="user_id", ge=1, le=2**31 - 1)] = None,
        action: Annotated[str | None, QueryParameter(max_length=100)] = None,
        before_id: Annotated[int | None, QueryParameter(ge=1, le=2**62)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_ROWS)] = 100,
        fmt: Annotated[str, QueryParameter(name="format", pattern="^(json|csv)$")] = "json",
    ) -> Response[Any]:
        """A site's audit entries in a period (dates inclusive on the site's calendar), newest
        first; `before_id` pages on. CSV headers and the words for codes are in the caller's
        language."""
        if until < since or (until - since).days >= MAX_DAYS:
            raise AppError("invalid_period", 400)
        clock = await site_clock(site_id)
        start, end = clock.days(since, until)
        query = AuditEntry.select().where(
            (AuditEntry.sites.like(f"%,{site_id},%"))
            & (AuditEntry.at_ms >= int(start.timestamp() * 1000))
            & (AuditEntry.at_ms < int(end.timestamp() * 1000))
        )
        if person is not None:
            query = query.where(AuditEntry.user_id == str(person))
        if action:
            query = query.where(AuditEntry.action.like(f"{action}%"))
        if before_id is not None:
            query = query.where(AuditEntry.id < before_id)
        rows = await query.order_by(AuditEntry.id, ascending=False).limit(limit)
        names = await names_of(int(r["user_id"]) for r in rows if r["user_id"].isdigit())
        language = language_of(user.language, request.headers.get("accept-language"))
        entries = [_read(r, names, clock.printed, language) for r in rows]
        if fmt == "json":
            return Response(entries)
        table = spreadsheet_csv(CSV_HEADER[language], (_csv_row(e) for e in entries))
        return Response(
            table,
            media_type=CSV,
            headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
        )


def _read(
    row: dict[str, Any], names: dict[int, str], printed: Any, language: Language
) -> AuditEntryRead:
    uid = int(row["user_id"]) if row["user_id"].isdigit() else None
    return AuditEntryRead(
        id=row["id"],
        at=printed(_iso(row["at_ms"]), "%Y-%m-%d %H:%M:%S"),
        user_id=uid,
        user_name=names.get(uid, "") if uid is not None else "",
        source=row["source"],
        action=row["action"],
        outcome=row["outcome"],
        source_text=source_words(row["source"], language),
        action_text=action_words(row["action"], language),
        outcome_text=outcome_words(row["outcome"], language),
        target=row["target"],
        sites=[int(s) for s in row["sites"].strip(",").split(",") if s],
        device_id=row["device_id"],
        device_time=row["device_time"],
        address=row["address"],
    )


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat()


def _csv_row(e: AuditEntryRead) -> list[str]:
    return [
        e.at,
        e.user_name,
        e.source_text,
        e.action_text,
        e.outcome_text,
        e.target,
        ",".join(str(s) for s in e.sites),
        e.device_id,
        e.device_time,
        e.address,
    ]


ROUTES = [AuditController]
