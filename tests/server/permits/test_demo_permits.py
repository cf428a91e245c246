"""The demo site's permits give a newcomer one paper to scan for each answer."""

from __future__ import annotations

from datetime import timedelta

from server import demo
from server.auth.service import now as utc_now
from server.permits import service
from server.permits.demo import seed_permits
from server.settings import Settings


async def test_demo_permits_cover_each_answer(settings: Settings) -> None:
    await demo.seed_demo("demo-pass-123")
    ids = await seed_permits(settings)
    assert len(ids) == 5
    permits = [await service.get_permit(i) for i in ids]
    reasons = [(await service.verify_qr(p.qr, None)).reason for p in permits]
    assert reasons == ["genuine", "expired", "revoked", "genuine", "genuine"]
    assert [p.kind for p in permits][-1] == "release_pass" and permits[-1].used_at is None
    assert permits[0].subject == "浙A·D12345"
    soon = permits[3]
    left = soon.expires - utc_now().timestamp()
    assert timedelta(days=3) < timedelta(seconds=left) <= timedelta(days=4)  # last day in 3 days
