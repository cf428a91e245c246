"""Two desks issuing a monthly permit for the same space and period at the same moment, on
PostgreSQL with two server workers: both pushes are held inside their transactions until both
wait, then let go; exactly one permit is issued and the other is refused `permit_overlaps`.
(On SQLite a push holds the single write lock throughout, so the race cannot happen there.)"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path
from random import Random

import pytest

from server import db
from server.settings import Settings
from server.syncing.store import PG_TURN
from tests.conftest import PASSWORD, make_user, site_today
from tests.server.syncing.stress_kit import HttpDevice, LiveServer, http_sign_in, make_site
from tests.server.syncing.test_concurrent_writers import advisory_held, send, waiting_on_locks

# The statement a push waits in for the turn of the rules that read across records.
TURN = "SELECT pg_advisory_xact_lock($1, $2)"

pytestmark = pytest.mark.postgres


def monthly(site_id: int, plate: str) -> dict[str, object]:
    today = site_today()
    return {
        "id": str(uuid.uuid4()),
        "site_id": site_id,
        "valid_from": today.isoformat(),
        "valid_to": (today + timedelta(days=29)).isoformat(),
        "details": {
            "kind": "monthly_parking",
            "plate": plate,
            "space": "B2-017",
            "vehicle_class": "small",
            "fee_fen": 30000,
        },
    }


async def test_two_desks_issuing_one_space_at_once_get_one_permit(
    settings: Settings, tmp_path: Path
) -> None:
    url = settings.database.url
    rng = Random(18)
    db.configure(db.engine_from_url(url))
    site = await make_site("race")
    users = [await make_user(f"desk_{i}", ["patrol"], [site]) for i in (1, 2)]
    server = LiveServer(url, tmp_path / "data", workers=2)
    await asyncio.to_thread(server.start)
    try:
        a = HttpDevice(http_sign_in(server.url, "desk_1", PASSWORD), users[0], rng)
        b = HttpDevice(http_sign_in(server.url, "desk_2", PASSWORD), users[1], rng)
        # Both phones bound and the site's key made before the race.
        first = monthly(site, "浙A·11111")
        first["details"] = {**first["details"], "space": "B1-001"}  # type: ignore[dict-item]
        warm = a.make("permits.issue", first)
        assert a.send([warm])["results"][0]["status"] == "applied"
        hello = b.make("permits.revoke", {"permit_id": first["id"], "reason": "测试"})
        assert b.send([hello])["results"][0]["status"] == "applied"

        issue_a = a.make("permits.issue", monthly(site, "浙A·D12345"))
        issue_b = b.make("permits.issue", monthly(site, "浙A·F31688"))
        async with advisory_held(url, PG_TURN):
            push_a = send(a, [issue_a])
            await waiting_on_locks(url, TURN, 1, [push_a])
            push_b = send(b, [issue_b])
            await waiting_on_locks(url, TURN, 2, [push_a, push_b])
        answers = [(await push_a)["results"][0], (await push_b)["results"][0]]
    finally:
        await asyncio.to_thread(server.stop)

    statuses = sorted(r["status"] for r in answers)
    assert statuses == ["applied", "rejected"], answers
    (refused,) = [r for r in answers if r["status"] == "rejected"]
    assert refused["error"]["code"] == "permit_overlaps"
