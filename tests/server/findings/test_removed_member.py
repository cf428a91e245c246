"""A member removed from a site loses it at once (issue 19: membership was cached 30 s for the
rules, so a finding could still be assigned to someone who had just left)."""

from __future__ import annotations

from server.sites.tables import SiteMember
from tests.server.findings.test_state_machine import Crew, reported
from tests.server.sync_device import new_finding


async def test_a_removed_member_is_refused_at_once_as_assignee_and_loses_push_and_pull(
    crew: Crew, north: int
) -> None:
    first = await reported(crew, north)
    second = await reported(crew, north)
    # The rules have just looked li up as a member of north.
    args = {"id": first, "assignee_id": crew.ids["li"]}
    assert (await crew.push("boss", "findings.assign", args))["status"] == "applied"

    await SiteMember.delete().where(
        (SiteMember.site == north) & (SiteMember.user == crew.ids["li"])
    )

    args = {"id": second, "assignee_id": crew.ids["li"]}
    refused = await crew.push("boss", "findings.assign", args)
    assert refused["status"] == "rejected"
    assert refused["error"]["code"] == "invalid_args"
    assert refused["error"]["field"] == "assignee_id"

    # li herself: her pushes to north are refused and a pull from scratch brings nothing of it.
    pushed = await crew.push("li", "findings.upsert", new_finding(north, photos=[]))
    assert pushed["status"] == "rejected"
    assert pushed["error"]["code"] == "forbidden"
    device = crew.devices["li"]
    device.cursor = None
    changes = await device.pull_all()
    assert [c for c in changes if (c.get("fields") or {}).get("site_id") == north] == []
