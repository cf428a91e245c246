"""Which key events become push notices: a key out longer than its site allows is announced to
its holder and the site's supervisors, once per overdue spell."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from server.i18n import Language
from server.push.notice import Notice, Notices, Occasion, Render, who
from server.push.texts import text
from server.sites.service import SiteSettings, members_with_role, place_of
from server.syncing.records import records_of_site


def _render(holder: Callable[[Language], str], for_holder: bool, params: dict[str, Any]) -> Render:
    suffix = ".holder" if for_holder else ""

    def render(lang: Language) -> tuple[str, str]:
        return (
            text(f"key_overdue.title{suffix}", lang, code=params["code"]),
            text(f"key_overdue.body{suffix}", lang, holder=holder(lang), **params),
        )

    return render


async def overdue_keys(site_id: int, site: SiteSettings, at_ms: int) -> list[Occasion]:
    """Keys out longer than the site allows (a spell: the key's checkout time and its holder)."""
    clock = site.clock
    cutoff = clock.now(at_ms) - timedelta(hours=site.key_overdue_hours)
    occasions = []
    for key in await records_of_site("keys", site_id):
        since = key.get("out_since")
        if key.get("status") != "out" or not isinstance(since, str):
            continue
        try:
            out_at = datetime.fromisoformat(since)
        except ValueError:
            continue
        if out_at < cutoff:
            spell = f"key_overdue/{key['id']}/{key['out_since']}/{key.get('holder_id')}"
            occasions.append(Occasion(spell, _notices(site_id, site, key, out_at)))
    return occasions


def _notices(
    site_id: int, site: SiteSettings, key: dict[str, Any], out_at: datetime
) -> Callable[[], Awaitable[list[Notice]]]:
    async def notices() -> list[Notice]:
        holder = key.get("holder_id")
        holders = [holder] if isinstance(holder, int) else []
        name = await who(holder)
        code = str(key.get("code") or "")
        label = str(key.get("label") or "") or await place_of(None, key.get("unit_id"))
        params = {
            "code": code,
            "label": label or code,
            "hours": site.key_overdue_hours,
            "since": site.clock.printed(out_at, "%m-%d %H:%M"),
        }
        supervisors = await members_with_role(site_id, "supervisor")
        return [
            Notice(
                "key_overdue",
                user,
                f"/keys/{key['id']}",
                f"key:{key['id']}",
                _render(name, user == holder, params),
            )
            for user in sorted({*supervisors, *holders})
        ]

    return notices


NOTICES = Notices(checks=[overdue_keys])
