"""Key documents and reports: QR label sheets, keys out now, one key's ledger, movements."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.di import Provide
from litestar.params import QueryParameter

from server.auth.guards import check_site_access, provide_current_user
from server.auth.service import CurrentUser, names_of
from server.csv_export import spreadsheet_csv
from server.errors import AppError
from server.i18n import Language, language_of
from server.keys.labels import FontMissing, Label, render_pdf
from server.keys.schemas import (
    KeyEventRead,
    KeyOutRead,
)
from server.keys.tags import token_of
from server.openapi import CSV, PDF, Id, files, refusals
from server.settings import Settings
from server.sites.service import site_clock, site_names, site_settings, unit_labels
from server.syncing.records import records_by_id, records_of_site

MAX_LABELS = 500


def _overdue_cutoff(hours: int) -> datetime:
    return datetime.now(UTC) - timedelta(hours=hours)


class KeysController(Controller):
    path = "/api"
    dependencies = {"user": Provide(provide_current_user)}  # noqa: RUF012

    @get(
        "/keys/labels.pdf",
        media_type=PDF,
        responses=refusals(404, 503),
    )
    async def labels(
        self,
        user: CurrentUser,
        settings: Settings,
        ids: Annotated[str, QueryParameter(max_length=40_000)],
    ) -> Response[bytes]:
        """A4 label sheets for the keys named in `ids` (comma-separated, at most 500)."""
        wanted = [i for i in ids.split(",") if i]
        if not wanted:
            raise AppError("validation_error", 400, field="ids", detail="no key ids")
        if len(wanted) > MAX_LABELS:
            raise AppError("payload_too_large", 413, limit=f"{MAX_LABELS} labels")
        keys = {k["id"]: k for k in await records_by_id("keys", wanted)}
        missing = [i for i in wanted if i not in keys]
        for key in keys.values():
            if key["site_id"] not in user.site_ids:
                missing.append(key["id"])
        if missing:
            raise AppError("not_found", 404, field="ids")
        sites = await site_names(k["site_id"] for k in keys.values())
        units = await unit_labels(k["unit_id"] for k in keys.values() if k.get("unit_id"))
        base = settings.server.public_base_url
        labels = [
            Label(
                url=f"{base}/k/{await token_of(settings.data_dir, key['id'])}",
                site=sites.get(key["site_id"], ""),
                code=key["code"],
                unit=key.get("label") or units.get(key.get("unit_id") or 0, ""),
            )
            for key in (keys[i] for i in wanted)
        ]
        try:
            pdf = render_pdf(labels)
        except FontMissing:
            raise AppError("font_missing", 503) from None
        return Response(
            pdf,
            media_type=PDF,
            headers={"Content-Disposition": 'inline; filename="key-labels.pdf"'},
        )

    @get("/sites/{site_id:int}/keys/out")
    async def keys_out(self, site_id: Id, user: CurrentUser) -> list[KeyOutRead]:
        """Keys out now, longest out first; overdue past the site's limit."""
        cutoff = _overdue_cutoff((await site_settings(site_id)).key_overdue_hours)
        out = [k for k in await records_of_site("keys", site_id) if k.get("status") == "out"]
        names = await names_of(k["holder_id"] for k in out if k.get("holder_id"))
        out.sort(key=lambda k: k.get("out_since") or "")
        return [
            KeyOutRead(
                id=k["id"],
                code=k["code"],
                label=k.get("label") or "",
                holder_id=k.get("holder_id"),
                holder=names.get(k.get("holder_id") or 0, ""),
                purpose=k.get("purpose"),
                out_since=k.get("out_since"),
                expected_return=k.get("expected_return"),
                overdue=bool(k.get("out_since"))
                and datetime.fromisoformat(k["out_since"]) < cutoff,
            )
            for k in out
        ]

    @get("/keys/{key_id:str}/ledger")
    async def ledger(self, key_id: str, user: CurrentUser) -> list[KeyEventRead]:
        found = await records_by_id("keys", [key_id])
        if not found:
            raise AppError("not_found", 404)
        key = found[0]
        check_site_access(user, key["site_id"])
        events = [
            e for e in await records_of_site("key_events", key["site_id"]) if e["key_id"] == key_id
        ]
        return await _events(events, {key_id: key["code"]})

    @get(
        "/sites/{site_id:int}/key-events",
        media_type="application/json",
        operation_class=files(answers=(CSV,)),
    )
    async def movements(
        self,
        request: Request[Any, Any, Any],
        site_id: Id,
        user: CurrentUser,
        since: Annotated[date, QueryParameter(name="from")],
        until: Annotated[date, QueryParameter(name="to")],
        fmt: Annotated[str, QueryParameter(name="format", pattern="^(json|csv)$")] = "json",
    ) -> Response[Any]:
        """All key movements in a period (dates inclusive, on the site's calendar), as JSON or
        CSV (times printed in the site's zone; headers, actions and purposes in the caller's
        language, no codes)."""
        clock = await site_clock(site_id)
        start, end = clock.days(since, until)
        events = [
            e
            for e in await records_of_site("key_events", site_id)
            if start <= datetime.fromisoformat(e["at"]) < end
        ]
        keys = {k["id"]: k["code"] for k in await records_of_site("keys", site_id)}
        rows = await _events(events, keys)
        if fmt == "json":
            return Response(rows)
        language = language_of(user.language, request.headers.get("accept-language"))
        table = spreadsheet_csv(
            MOVEMENT_HEADERS[language],
            (_movement_row(clock.printed(e.at, "%Y-%m-%d %H:%M:%S"), e, language) for e in rows),
        )
        return Response(
            table,
            media_type=CSV,
            headers={"Content-Disposition": 'attachment; filename="key-movements.csv"'},
        )


MOVEMENT_HEADERS: dict[Language, list[str]] = {
    "zh-CN": ["时间", "钥匙", "动作", "经办人", "用途", "备注"],
    "en": ["Time", "Key", "Action", "By", "Purpose", "Note"],
}
# The words the app shows for a key event's kind and a checkout's purpose (pwa/src/keys/texts.ts).
EVENT_WORDS = {
    "checkout": ("借出", "Checked out"),
    "checkin": ("归还", "Checked in"),
    "handover": ("转交", "Handed over"),
    "receive": ("接收", "Received"),
    "lost": ("报遗失", "Reported lost"),
    "return_to_owner": ("退还业主", "Returned to owner"),
}
PURPOSE_WORDS = {
    "patrol": ("巡查", "Patrol"),
    "repair": ("维修", "Repair"),
    "viewing": ("看房", "Viewing"),
    "owner_pickup": ("业主取钥匙", "Owner pick-up"),
}


def _word(words: dict[str, tuple[str, str]], code: str | None, language: Language) -> str:
    if not code:
        return ""
    zh, en = words.get(code, (code, code))
    return en if language == "en" else zh


def _movement_row(printed_at: str, e: KeyEventRead, language: Language) -> list[str]:
    kind, purpose = _word(EVENT_WORDS, e.kind, language), _word(PURPOSE_WORDS, e.purpose, language)
    return [printed_at, e.code, kind, e.by, purpose, e.note]


async def _events(events: list[dict[str, Any]], codes: dict[str, str]) -> list[KeyEventRead]:
    names = await names_of(e["by_id"] for e in events)
    events.sort(key=lambda e: e["at"])
    return [
        KeyEventRead(
            id=e["id"],
            key_id=e["key_id"],
            code=codes.get(e["key_id"], ""),
            kind=e["kind"],
            by_id=e["by_id"],
            by=names.get(e["by_id"], ""),
            at=e["at"],
            purpose=e.get("purpose"),
            to_user_id=e.get("to_user_id"),
            note=e.get("note", ""),
        )
        for e in events
    ]
