"""A finding's state machine and who may change what, over the real app and database: open →
assigned → fixed → verified → closed only through the intents, each step by the right person."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import pytest

from tests.conftest import ApiClient, make_user
from tests.server.patrols.test_patrols_and_review import a_unit
from tests.server.sync_device import Device, make_site, new_finding, now_ms

PHOTO = "a" * 64
FIX_PHOTO = "b" * 64


class Crew:
    """The people of one site, each with their own phone, taking turns on one test client."""

    def __init__(self, client: ApiClient, ids: dict[str, int]) -> None:
        self.client = client
        self.ids = ids
        self.devices: dict[str, Device] = {}
        self.signed_in = ""

    async def push(self, who: str, name: str, args: dict[str, Any]) -> dict[str, Any]:
        if who != self.signed_in:
            await self.client.post("/api/auth/logout")
            await self.client.sign_in(who)
            self.signed_in = who
        device = self.devices.setdefault(who, Device(self.client))
        result: dict[str, Any] = await device.push_one(name, args)
        return result

    async def finding(self, finding_id: str) -> dict[str, Any]:
        """The finding as a device pulling from scratch sees it now."""
        device = self.devices[self.signed_in]
        device.cursor = None
        changes = await device.pull_all()
        fields: dict[str, Any] = [c for c in changes if c["id"] == finding_id][-1]["fields"]
        return fields


def code(result: dict[str, Any]) -> str | None:
    error = result.get("error")
    return str(error["code"]) if error else None


async def reported(crew: Crew, north: int, **fields: Any) -> str:
    finding = new_finding(north, photos=[PHOTO], **fields)
    assert (await crew.push("zhang", "findings.upsert", finding))["status"] == "applied"
    return str(finding["id"])


async def assigned(crew: Crew, north: int, **fields: Any) -> str:
    finding_id = await reported(crew, north, **fields)
    args = {"id": finding_id, "assignee_id": crew.ids["li"]}
    assert (await crew.push("boss", "findings.assign", args))["status"] == "applied"
    return finding_id


async def fixed(crew: Crew, north: int, **fields: Any) -> str:
    finding_id = await assigned(crew, north, **fields)
    args = {"id": finding_id, "fix_note": "已换锁", "fix_photos": [FIX_PHOTO]}
    assert (await crew.push("li", "findings.fix", args))["status"] == "applied"
    return finding_id


async def verified(crew: Crew, north: int) -> str:
    finding_id = await fixed(crew, north)
    assert (await crew.push("env", "findings.verify", {"id": finding_id}))["status"] == "applied"
    return finding_id


# ---- the way through ----------------------------------------------------------------------


async def test_a_finding_goes_open_assigned_fixed_verified_closed_with_who_and_when(
    crew: Crew, north: int
) -> None:
    finding_id = await reported(crew, north)
    assert (await crew.finding(finding_id))["status"] == "open"
    assign = {"id": finding_id, "assignee_id": crew.ids["li"]}
    assert (await crew.push("env", "findings.assign", assign))["status"] == "applied"
    assert (await crew.finding(finding_id))["status"] == "assigned"
    fix = {"id": finding_id, "fix_note": "已换锁", "fix_photos": [FIX_PHOTO]}
    assert (await crew.push("li", "findings.fix", fix))["status"] == "applied"
    fields = await crew.finding(finding_id)
    assert (fields["status"], fields["fix_note"], fields["fix_photos"]) == (
        "fixed",
        "已换锁",
        [FIX_PHOTO],
    )
    assert fields["fixed_by"] == crew.ids["li"] and fields["fixed_at"]
    assert (await crew.push("boss", "findings.verify", {"id": finding_id}))["status"] == "applied"
    assert (await crew.finding(finding_id))["verified_by"] == crew.ids["boss"]
    assert (await crew.push("env", "findings.close", {"id": finding_id}))["status"] == "applied"
    fields = await crew.finding(finding_id)
    assert (fields["status"], fields["closed_by"]) == ("closed", crew.ids["env"])


async def test_a_new_finding_with_an_assignee_starts_assigned(crew: Crew, north: int) -> None:
    finding_id = await reported(crew, north, assignee_id=crew.ids["li"], status="assigned")
    assert (await crew.finding(finding_id))["status"] == "assigned"


async def test_a_new_finding_cannot_start_past_assigned(crew: Crew, north: int) -> None:
    result = await crew.push("zhang", "findings.upsert", new_finding(north, status="fixed"))
    assert (code(result), result["error"]["field"]) == ("finding_bad_transition", "status")


# ---- upserts edit what it says, never its state ----------------------------------------------


@pytest.mark.parametrize("status", ["assigned", "fixed", "verified", "closed"])
async def test_an_upsert_never_moves_the_status(crew: Crew, north: int, status: str) -> None:
    finding_id = await reported(crew, north)
    result = await crew.push("boss", "findings.upsert", {"id": finding_id, "status": status})
    assert code(result) == "finding_bad_transition"
    assert (await crew.finding(finding_id))["status"] == "open"


async def test_an_upsert_may_repeat_the_status_as_it_stands(crew: Crew, north: int) -> None:
    finding_id = await reported(crew, north)
    same = {"id": finding_id, "status": "open", "location": "3栋大堂"}
    assert (await crew.push("zhang", "findings.upsert", same))["status"] == "applied"


async def test_an_upsert_never_changes_the_assignee(crew: Crew, north: int) -> None:
    finding_id = await assigned(crew, north)
    change = {"id": finding_id, "assignee_id": crew.ids["wang"]}
    result = await crew.push("boss", "findings.upsert", change)
    assert (code(result), result["error"]["field"]) == ("finding_bad_transition", "assignee_id")


@pytest.mark.parametrize(
    "field",
    [
        "accepted_by",
        "accepted_at",
        "fixed_by",
        "fixed_at",
        "verified_by",
        "closed_by",
        "close_reason",
        "reopen_reason",
    ],
)
async def test_who_did_each_step_is_set_by_the_server_only(
    crew: Crew, north: int, field: str
) -> None:
    finding_id = await reported(crew, north)
    result = await crew.push("boss", "findings.upsert", {"id": finding_id, field: 1})
    assert (code(result), result["error"]["field"]) == ("server_owned_field", field)


# ---- accept (接单) -----------------------------------------------------------------------------


async def test_the_assignee_accepts_once_and_a_second_accept_keeps_the_first_time(
    crew: Crew, north: int
) -> None:
    finding_id = await assigned(crew, north)
    assert (await crew.push("li", "findings.accept", {"id": finding_id}))["status"] == "applied"
    fields = await crew.finding(finding_id)
    assert (fields["status"], fields["accepted_by"]) == ("assigned", crew.ids["li"])
    first = fields["accepted_at"]
    assert first
    again = await crew.push("li", "findings.accept", {"id": finding_id})
    assert again["status"] == "applied"
    assert (await crew.finding(finding_id))["accepted_at"] == first


async def test_only_the_assignee_accepts_an_assigned_finding(crew: Crew, north: int) -> None:
    opened = await reported(crew, north)
    assert code(await crew.push("li", "findings.accept", {"id": opened})) == (
        "finding_bad_transition"
    )
    finding_id = await assigned(crew, north)
    assert code(await crew.push("boss", "findings.accept", {"id": finding_id})) == "not_assignee"
    done = await fixed(crew, north)
    assert code(await crew.push("li", "findings.accept", {"id": done})) == "finding_bad_transition"
    unknown = await crew.push("li", "findings.accept", {"id": finding_id, "when": 1})
    assert code(unknown) == "invalid_args"


async def test_a_reassignment_clears_the_acceptance(crew: Crew, north: int) -> None:
    finding_id = await assigned(crew, north)
    await crew.push("li", "findings.accept", {"id": finding_id})
    same = {"id": finding_id, "assignee_id": crew.ids["li"]}
    assert (await crew.push("boss", "findings.assign", same))["status"] == "applied"
    assert (await crew.finding(finding_id))["accepted_by"] == crew.ids["li"]
    other = {"id": finding_id, "assignee_id": crew.ids["wang"]}
    assert (await crew.push("boss", "findings.assign", other))["status"] == "applied"
    fields = await crew.finding(finding_id)
    assert (fields["accepted_by"], fields["accepted_at"]) == (None, None)
    assert code(await crew.push("li", "findings.accept", {"id": finding_id})) == "not_assignee"


async def test_the_acceptance_is_the_phones_time_never_after_the_servers(
    crew: Crew, north: int
) -> None:
    """Accepted offline a minute ago counts from then; a phone two minutes ahead (within the
    clamp) counts from when the server took it."""
    earlier = await assigned(crew, north)
    ahead = await assigned(crew, north)
    await crew.push(
        "li", "findings.comment", {"id": str(uuid.uuid4()), "finding_id": earlier, "body": "收到"}
    )
    phone = crew.devices["li"] = Device(crew.client)  # a phone that was offline until now
    a_minute_ago = now_ms() - 60_000
    offline = phone.mutation("findings.accept", {"id": earlier}, a_minute_ago)
    assert (await phone.push(offline)).json()["results"][0]["status"] == "applied"
    at = datetime.fromisoformat((await crew.finding(earlier))["accepted_at"]).timestamp()
    assert round(at * 1000) == a_minute_ago
    before = now_ms()
    late = phone.mutation("findings.accept", {"id": ahead}, now_ms() + 120_000)
    assert (await phone.push(late)).json()["results"][0]["status"] == "applied"
    after = now_ms()
    at = datetime.fromisoformat((await crew.finding(ahead))["accepted_at"]).timestamp()
    assert before <= round(at * 1000) <= after


# ---- assign -----------------------------------------------------------------------------------


async def test_a_patrol_may_not_assign(crew: Crew, north: int) -> None:
    finding_id = await reported(crew, north)
    args = {"id": finding_id, "assignee_id": crew.ids["li"]}
    assert code(await crew.push("zhang", "findings.assign", args)) == "forbidden"


async def test_only_a_supervisor_reassigns(crew: Crew, north: int) -> None:
    finding_id = await assigned(crew, north)
    args = {"id": finding_id, "assignee_id": crew.ids["wang"]}
    assert code(await crew.push("env", "findings.assign", args)) == "forbidden"
    assert (await crew.push("boss", "findings.assign", args))["status"] == "applied"
    fields = await crew.finding(finding_id)
    assert (fields["status"], fields["assignee_id"]) == ("assigned", crew.ids["wang"])


async def test_the_assignee_is_a_member_of_the_site(crew: Crew, north: int) -> None:
    outsider = await make_user("outsider", ["patrol"], [])
    finding_id = await reported(crew, north)
    result = await crew.push("boss", "findings.assign", {"id": finding_id, "assignee_id": outsider})
    assert (code(result), result["error"]["field"]) == ("invalid_args", "assignee_id")


async def test_a_fixed_finding_is_not_assigned_again(crew: Crew, north: int) -> None:
    finding_id = await fixed(crew, north)
    args = {"id": finding_id, "assignee_id": crew.ids["wang"]}
    assert code(await crew.push("boss", "findings.assign", args)) == "finding_bad_transition"


async def test_a_missing_finding_is_not_found(crew: Crew, north: int) -> None:
    args = {"id": str(uuid.uuid4()), "assignee_id": crew.ids["li"]}
    assert code(await crew.push("boss", "findings.assign", args)) == "not_found"


async def test_a_finding_of_another_site_is_forbidden(crew: Crew, north: int) -> None:
    south = await make_site("south")
    await make_user("south_boss", ["supervisor"], [south])
    finding_id = await reported(crew, north)
    args = {"id": finding_id, "reason": "重复"}
    assert code(await crew.push("south_boss", "findings.close", args)) == "forbidden"


# ---- fix --------------------------------------------------------------------------------------


async def test_only_the_assignee_fixes(crew: Crew, north: int) -> None:
    finding_id = await assigned(crew, north)
    args = {"id": finding_id, "fix_note": "已换锁"}
    assert code(await crew.push("boss", "findings.fix", args)) == "not_assignee"
    assert code(await crew.push("wang", "findings.fix", args)) == "not_assignee"


async def test_a_fix_needs_a_note(crew: Crew, north: int) -> None:
    finding_id = await assigned(crew, north)
    result = await crew.push("li", "findings.fix", {"id": finding_id, "fix_note": "  "})
    assert (code(result), result["error"]["field"]) == ("fix_note_required", "fix_note")


async def test_a_category_that_needs_fix_photos_is_not_fixed_without_them(
    crew: Crew, north: int
) -> None:
    finding_id = await assigned(crew, north, category="pest")
    args: dict[str, Any] = {"id": finding_id, "fix_note": "已投放鼠药"}
    result = await crew.push("li", "findings.fix", args)
    assert (code(result), result["error"]["field"]) == ("fix_photos_required", "fix_photos")
    args["fix_photos"] = [FIX_PHOTO]
    assert (await crew.push("li", "findings.fix", args))["status"] == "applied"


async def test_other_categories_are_fixed_with_a_note_alone(crew: Crew, north: int) -> None:
    finding_id = await assigned(crew, north, category="other")
    args = {"id": finding_id, "fix_note": "已处理"}
    assert (await crew.push("li", "findings.fix", args))["status"] == "applied"


async def test_an_open_finding_is_not_fixed(crew: Crew, north: int) -> None:
    finding_id = await reported(crew, north)
    args = {"id": finding_id, "fix_note": "已换锁"}
    assert code(await crew.push("zhang", "findings.fix", args)) == "finding_bad_transition"


# ---- verify -----------------------------------------------------------------------------------


async def test_the_fixer_does_not_verify_their_own_fix(crew: Crew, north: int) -> None:
    finding_id = await reported(crew, north)
    args = {"id": finding_id, "assignee_id": crew.ids["env"]}
    assert (await crew.push("boss", "findings.assign", args))["status"] == "applied"
    fix = {"id": finding_id, "fix_note": "已清理"}
    assert (await crew.push("env", "findings.fix", fix))["status"] == "applied"
    assert code(await crew.push("env", "findings.verify", {"id": finding_id})) == "self_verify"


async def test_only_a_supervisor_or_environment_role_verifies(crew: Crew, north: int) -> None:
    finding_id = await fixed(crew, north)
    assert code(await crew.push("zhang", "findings.verify", {"id": finding_id})) == "forbidden"


async def test_an_unfixed_finding_is_not_verified(crew: Crew, north: int) -> None:
    finding_id = await assigned(crew, north)
    result = await crew.push("boss", "findings.verify", {"id": finding_id})
    assert code(result) == "finding_bad_transition"


# ---- close ------------------------------------------------------------------------------------


async def test_no_jump_from_open_to_closed_without_a_reason(crew: Crew, north: int) -> None:
    finding_id = await reported(crew, north)
    result = await crew.push("boss", "findings.close", {"id": finding_id})
    assert (code(result), result["error"]["field"]) == ("reason_required", "reason")
    assert code(await crew.push("boss", "findings.close", {"id": finding_id, "reason": " "})) == (
        "reason_required"
    )


async def test_a_supervisor_closes_a_duplicate_with_a_reason(crew: Crew, north: int) -> None:
    finding_id = await assigned(crew, north)
    args = {"id": finding_id, "reason": "与上周的问题重复"}
    assert (await crew.push("boss", "findings.close", args))["status"] == "applied"
    fields = await crew.finding(finding_id)
    assert (fields["status"], fields["close_reason"]) == ("closed", "与上周的问题重复")


async def test_only_a_supervisor_closes_an_unverified_finding(crew: Crew, north: int) -> None:
    finding_id = await fixed(crew, north)
    args = {"id": finding_id, "reason": "无效"}
    assert code(await crew.push("env", "findings.close", args)) == "forbidden"


async def test_a_verified_finding_is_not_closed_by_a_patrol(crew: Crew, north: int) -> None:
    finding_id = await verified(crew, north)
    assert code(await crew.push("zhang", "findings.close", {"id": finding_id})) == "forbidden"


async def test_a_closed_finding_is_locked_and_not_closed_again(crew: Crew, north: int) -> None:
    finding_id = await verified(crew, north)
    assert (await crew.push("boss", "findings.close", {"id": finding_id}))["status"] == "applied"
    assert code(await crew.push("boss", "findings.close", {"id": finding_id})) == (
        "finding_bad_transition"
    )
    late = {"id": finding_id, "description": "补充"}
    assert code(await crew.push("zhang", "findings.upsert", late)) == "record_locked"


# ---- reopen -----------------------------------------------------------------------------------


async def test_no_way_back_from_verified_but_a_supervisors_reopen_with_a_reason(
    crew: Crew, north: int
) -> None:
    finding_id = await verified(crew, north)
    assert code(
        await crew.push("env", "findings.reopen", {"id": finding_id, "reason": "又坏了"})
    ) == ("forbidden")
    assert code(await crew.push("boss", "findings.reopen", {"id": finding_id})) == (
        "reason_required"
    )
    args = {"id": finding_id, "reason": "又坏了"}
    assert (await crew.push("boss", "findings.reopen", args))["status"] == "applied"
    fields = await crew.finding(finding_id)
    assert (fields["status"], fields["reopen_reason"], fields["reopened_by"]) == (
        "assigned",
        "又坏了",
        crew.ids["boss"],
    )
    again = {"id": finding_id, "fix_note": "再次换锁"}
    assert (await crew.push("li", "findings.fix", again))["status"] == "applied"


async def test_a_closed_finding_is_reopened_by_a_supervisor(crew: Crew, north: int) -> None:
    finding_id = await reported(crew, north)
    args = {"id": finding_id, "reason": "重复"}
    assert (await crew.push("boss", "findings.close", args))["status"] == "applied"
    back = {"id": finding_id, "reason": "并不重复"}
    assert (await crew.push("boss", "findings.reopen", back))["status"] == "applied"
    assert (await crew.finding(finding_id))["status"] == "open"


async def test_an_open_finding_is_not_reopened(crew: Crew, north: int) -> None:
    finding_id = await reported(crew, north)
    args = {"id": finding_id, "reason": "x"}
    assert code(await crew.push("boss", "findings.reopen", args)) == "finding_bad_transition"


# ---- who edits what ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change", [{"description": "改了"}, {"photos": [FIX_PHOTO]}, {"photos": {"remove": [PHOTO]}}]
)
async def test_only_the_reporter_or_a_supervisor_edits_description_and_photos(
    crew: Crew, north: int, change: dict[str, Any]
) -> None:
    finding_id = await reported(crew, north)
    for who in ("wang", "env"):
        result = await crew.push(who, "findings.upsert", {"id": finding_id, **change})
        assert (code(result), result["error"]["field"]) == ("not_reporter", next(iter(change)))
    for who in ("zhang", "boss"):
        result = await crew.push(who, "findings.upsert", {"id": finding_id, **change})
        assert result["status"] == "applied", result


async def test_only_the_assignee_or_a_supervisor_edits_the_fix(crew: Crew, north: int) -> None:
    finding_id = await assigned(crew, north)
    note = {"id": finding_id, "fix_note": "备注"}
    assert code(await crew.push("zhang", "findings.upsert", note)) == "not_assignee"
    assert (await crew.push("li", "findings.upsert", note))["status"] == "applied"
    assert (await crew.push("boss", "findings.upsert", note))["status"] == "applied"


@pytest.mark.parametrize("field, photo", [("photos", PHOTO), ("fix_photos", FIX_PHOTO)])
async def test_evidence_photos_are_never_removed_once_fixed(
    crew: Crew, north: int, field: str, photo: str
) -> None:
    finding_id = await fixed(crew, north)
    result = await crew.push(
        "boss", "findings.upsert", {"id": finding_id, field: {"remove": [photo]}}
    )
    assert (code(result), result["error"]["field"]) == ("evidence_kept", field)
    more = {"id": finding_id, field: ["c" * 64]}
    assert (await crew.push("boss", "findings.upsert", more))["status"] == "applied"
    assert photo in (await crew.finding(finding_id))[field]


async def test_the_decision_wins_over_a_device_clock_that_runs_ahead(
    crew: Crew, north: int
) -> None:
    finding_id = await assigned(crew, north)
    await crew.push("li", "findings.upsert", {"id": finding_id, "location": "1栋"})
    ahead = crew.devices["li"]
    note = ahead.mutation(
        "findings.upsert", {"id": finding_id, "fix_note": "草稿"}, now_ms() + 86_400_000
    )
    assert (await ahead.push(note)).json()["results"][0]["status"] == "applied"
    fix = {"id": finding_id, "fix_note": "已换锁", "fix_photos": [FIX_PHOTO]}
    assert (await crew.push("li", "findings.fix", fix))["status"] == "applied"
    fields = await crew.finding(finding_id)
    assert (fields["status"], fields["fix_note"]) == ("fixed", "已换锁")


# ---- units belong to the record's site --------------------------------------------------------


async def test_a_unit_of_another_site_is_refused(crew: Crew, north: int) -> None:
    south_unit = await a_unit(await make_site("south"))
    result = await crew.push("zhang", "findings.upsert", new_finding(north, unit_id=south_unit))
    assert (code(result), result["error"]["field"]) == ("invalid_args", "unit_id")
    unknown = await crew.push("zhang", "findings.upsert", new_finding(north, unit_id=999_999))
    assert code(unknown) == "invalid_args"
    own = new_finding(north, unit_id=await a_unit(north))
    assert (await crew.push("zhang", "findings.upsert", own))["status"] == "applied"
    moved = await crew.push("zhang", "findings.upsert", {"id": own["id"], "unit_id": south_unit})
    assert code(moved) == "invalid_args"


async def test_a_key_with_a_unit_of_another_site_is_refused(crew: Crew, north: int) -> None:
    south_unit = await a_unit(await make_site("south"))
    key = {"id": str(uuid.uuid4()), "site_id": north, "code": "K-1", "kind": "vacant"}
    result = await crew.push("boss", "keys.upsert", {**key, "unit_id": south_unit})
    assert (code(result), result["error"]["field"]) == ("invalid_args", "unit_id")
    own = {**key, "unit_id": await a_unit(north)}
    assert (await crew.push("boss", "keys.upsert", own))["status"] == "applied"
