"""Sites and users the vendors tests start from."""

from __future__ import annotations

from datetime import UTC, datetime

from server.sites.tables import Site
from tests.conftest import make_user


async def two_sites() -> tuple[int, int]:
    """翠湖花园 and 锦江华府; admin `root`, manager `zhao` and environment `wang` on the first
    only, patrol `li` on the second only."""
    at = datetime(2026, 1, 1, tzinfo=UTC)
    ids = []
    for code, name in (("cuihu", "翠湖花园"), ("jinjiang", "锦江华府")):
        rows = await Site.insert(Site(name=name, code=code, created_at=at)).returning(Site.id)
        ids.append(rows[0]["id"])
    await make_user("root", ["admin"])
    await make_user("zhao", ["manager"], [ids[0]])
    await make_user("wang", ["environment"], [ids[0]])
    await make_user("li", ["patrol"], [ids[1]])
    return ids[0], ids[1]


def template_body(service: str = "cleaning", points: tuple[int, ...] = (60, 40)) -> dict:
    return {
        "service": service,
        "name": "保洁服务质量检查表",
        "critical_cap_score": 60,
        "items": [
            {
                "code": f"c{n:02d}",
                "label_zh": f"检查项 {n}",
                "label_en": f"Item {n}",
                "max_points": p,
                "zone_kind": "lobby" if n == 1 else "",
                "critical": n == 1,
                "photo_required": n == 1,
            }
            for n, p in enumerate(points, start=1)
        ],
    }
