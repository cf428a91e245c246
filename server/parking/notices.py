"""Which parking events become push notices: a shift closed with a cash variance asks the site's
supervisors to review it."""

from __future__ import annotations

from typing import Any

from server.i18n import Language
from server.parking.tables import Gate
from server.push.notice import Notice, Notices, who
from server.push.texts import text
from server.sites.service import members_with_role
from server.syncing.records import record_by_id


def yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


async def variance(payload: dict[str, Any]) -> list[Notice]:
    shift_id = payload.get("shift_id")
    site_id = payload.get("site_id")
    cashier_id = payload.get("cashier_id")
    if not isinstance(site_id, int) or not isinstance(shift_id, str):
        return []
    shift = await record_by_id("parking_shifts", shift_id)
    if shift is None or shift.get("status") not in ("closed", "handed_over"):
        return []  # reviewed (or gone) before we got to it: nothing to ask for
    fen = int(shift.get("variance_fen") or 0)
    if fen == 0:
        return []
    cashier = await who(cashier_id)
    gate = await Gate.select(Gate.name).where(Gate.id == shift.get("gate_id")).first()
    gate_name = str(gate["name"]) if gate else ""
    slip = str(shift.get("slip_no") or "")

    def render(lang: Language) -> tuple[str, str]:
        kind = "parking_variance.over" if fen > 0 else "parking_variance.short"
        return (
            text("parking_variance.title", lang, gate=gate_name),
            text(kind, lang, cashier=cashier(lang), amount=yuan(abs(fen)), slip=slip),
        )

    return [
        Notice("parking_variance", user, "/review", f"variance:parking_shifts:{shift_id}", render)
        for user in await members_with_role(site_id, "supervisor")
        if user != cashier_id
    ]


NOTICES = Notices(events={"parking_variance": variance})
