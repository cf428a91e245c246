"""A finding's history: who changed which field when, from its `finding_changed` events."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
from litestar import Controller, get
from litestar.di import Provide

from server.auth.guards import check_site_access, provide_current_user
from server.auth.service import CurrentUser, names_of
from server.errors import AppError
from server.findings.schemas import FindingChangeRead
from server.syncing.records import record_by_id
from server.syncing.tables import SyncEvent


class FindingsController(Controller):
    path = "/api"
    dependencies = {"user": Provide(provide_current_user)}  # noqa: RUF012

    @get("/findings/{finding_id:str}/history")
    async def history(self, finding_id: str, user: CurrentUser) -> list[FindingChangeRead]:
        finding = await record_by_id("findings", finding_id)
        if finding is None:
            raise AppError("not_found", 404)
        check_site_access(user, finding["site_id"])
        # The payload is JSON text: narrowed by its id in SQL, matched exactly below.
        needle = '%"finding_id":' + msgspec.json.encode(finding_id).decode() + "%"
        rows = await (
            SyncEvent.select(SyncEvent.payload, SyncEvent.at_ms)
            .where((SyncEvent.kind == "finding_changed") & SyncEvent.payload.like(needle))
            .order_by(SyncEvent.id)
        )
        events = [(msgspec.json.decode(r["payload"]), int(r["at_ms"])) for r in rows]
        events = [(p, at) for p, at in events if p.get("finding_id") == finding_id]
        names = await names_of(int(p["by"]) for p, _ in events)
        return [
            FindingChangeRead(
                at=datetime.fromtimestamp(at / 1000, UTC).isoformat().replace("+00:00", "Z"),
                by_id=int(p["by"]),
                by=names.get(int(p["by"]), f"#{p['by']}"),
                field=str(field),
                before=before,
                after=after,
            )
            for p, at in events
            for field, before, after in p["changes"]
        ]


ROUTES = [FindingsController]
