"""Concurrent edits through real pushes and pulls: the `conflicts` record reaches the two
authors and the site's supervisors only; dismiss and "keep mine"."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import pytest

from server.app import create_app
from server.settings import Settings
from tests.conftest import ApiClient, make_user
from tests.server.sync_device import Device, make_site, now_ms


class Phone(Device):
    """A device that keeps what it pulled, so its edits carry their base revision."""

    def __init__(self, client: ApiClient, user_id: int) -> None:
        super().__init__(client)
        self.user_id = user_id
        self.local: dict[tuple[str, str], dict[str, Any]] = {}

    async def sync_down(self) -> None:
        for change in await self.pull_all():
            key = (change["collection"], change["id"])
            if change["deleted"]:
                self.local.pop(key, None)
            else:
                self.local[key] = change

    def base(self, finding_id: str) -> int:
        return int(self.local[("findings", finding_id)]["revision"])

    async def edit(self, finding_id: str, ms: int, **fields: Any) -> dict[str, Any]:
        args = {"id": finding_id, "base_revision": self.base(finding_id), **fields}
        result: dict[str, Any] = await self.push_one("findings.upsert", args, ms)
        return result

    def conflicts(self) -> dict[str, dict[str, Any]]:
        return {k[1]: c["fields"] for k, c in self.local.items() if k[0] == "conflicts"}


SignIn = Callable[[str, list[str], int], Awaitable[Phone]]


@pytest.fixture
async def sign_in(settings: Settings) -> AsyncIterator[SignIn]:
    """A new user on their own phone (their own client of the same server)."""
    async with AsyncExitStack() as stack:

        async def new_phone(name: str, roles: list[str], site: int) -> Phone:
            user_id = await make_user(name, roles, [site])
            client = await stack.enter_async_context(ApiClient(app=create_app(settings)))
            await client.sign_in(name)
            return Phone(client, user_id)

        yield new_phone


@pytest.fixture
async def sites() -> tuple[int, int]:
    return await make_site("north"), await make_site("south")


@pytest.fixture
async def people(sign_in: SignIn, sites: tuple[int, int]) -> dict[str, Phone]:
    north, south = sites
    return {
        "zhang": await sign_in("zhang", ["patrol"], north),
        "li": await sign_in("li", ["patrol"], north),
        "boss": await sign_in("boss", ["supervisor"], north),
        "wang": await sign_in("wang", ["patrol"], north),  # of the site, not in the conflict
        "far": await sign_in("far", ["supervisor"], south),
    }


async def shared_finding(people: dict[str, Phone], site: int) -> str:
    finding_id = str(uuid.uuid4())
    finding = {"id": finding_id, "site_id": site, "category": "patrol", "description": "地砖松动"}
    result = await people["zhang"].push_one("findings.upsert", finding, now_ms() - 120_000)
    assert result["status"] == "applied"
    for phone in people.values():
        await phone.sync_down()
    return finding_id


@pytest.mark.parametrize("first", ["zhang", "li"])
async def test_both_authors_and_the_supervisor_are_told_whoever_syncs_first(
    people: dict[str, Phone], sites: tuple[int, int], first: str
) -> None:
    zhang, li = people["zhang"], people["li"]
    finding_id = await shared_finding(people, sites[0])
    t = now_ms()
    # Both offline: zhang edits first, li a minute later; then they sync in either order.
    edits = {
        "zhang": lambda: zhang.edit(finding_id, t - 60_000, location="3栋大堂"),
        "li": lambda: li.edit(finding_id, t - 1_000, location="3栋电梯厅"),
    }
    second = "li" if first == "zhang" else "zhang"
    assert (await edits[first]())["status"] == "applied"
    late = await edits[second]()
    # The later arrival's own result tells it of a loss only when it lost.
    assert late["status"] == ("merged" if second == "zhang" else "applied")

    for phone in people.values():
        await phone.sync_down()
    (conflict_id,) = zhang.conflicts()
    notice = zhang.conflicts()[conflict_id]
    assert li.conflicts() == people["boss"].conflicts() == {conflict_id: notice}
    assert people["wang"].conflicts() == people["far"].conflicts() == {}
    assert (notice["collection"], notice["record_id"], notice["field"]) == (
        "findings",
        finding_id,
        "location",
    )
    assert (notice["kept"], notice["discarded"]) == ("3栋电梯厅", "3栋大堂")
    assert (notice["kept_by"], notice["discarded_by"]) == (str(li.user_id), str(zhang.user_id))
    assert (notice["kept_by_name"], notice["discarded_by_name"]) == ("Li", "Zhang")
    assert notice["site_id"] == sites[0]
    assert notice["kept_at"] > notice["discarded_at"]
    assert notice["kept_at"].endswith("+00:00") and notice["dismissed_by"] == []
    assert zhang.local[("findings", finding_id)]["fields"]["location"] == "3栋电梯厅"


async def test_a_sequential_edit_raises_no_conflict(
    people: dict[str, Phone], sites: tuple[int, int]
) -> None:
    zhang, li = people["zhang"], people["li"]
    finding_id = await shared_finding(people, sites[0])
    await zhang.edit(finding_id, now_ms() - 1_000, location="3栋大堂")
    await li.sync_down()
    # li saw zhang's value; his phone's clock is behind, yet his later edit wins.
    result = await li.edit(finding_id, now_ms() - 30_000, location="3栋电梯厅")
    assert (result["status"], result["conflicts"]) == ("applied", [])
    for phone in (zhang, li, people["boss"]):
        await phone.sync_down()
        assert phone.conflicts() == {}
    assert zhang.local[("findings", finding_id)]["fields"]["location"] == "3栋电梯厅"


async def concurrent_edit(people: dict[str, Phone], site: int) -> tuple[str, str]:
    zhang, li = people["zhang"], people["li"]
    finding_id = await shared_finding(people, site)
    await zhang.edit(finding_id, now_ms() - 60_000, location="3栋大堂")
    await li.edit(finding_id, now_ms() - 1_000, location="3栋电梯厅")
    for phone in people.values():
        await phone.sync_down()
    (conflict_id,) = zhang.conflicts()
    return finding_id, conflict_id


async def test_dismiss_by_an_author_or_supervisor_only(
    people: dict[str, Phone], sites: tuple[int, int]
) -> None:
    _, conflict_id = await concurrent_edit(people, sites[0])
    refused = await people["wang"].push_one("conflicts.dismiss", {"id": conflict_id})
    assert (refused["status"], refused["error"]["code"]) == ("rejected", "forbidden")
    forged = await people["li"].push_one("conflicts.upsert", {"id": conflict_id, "kept": "x"})
    assert forged["error"]["code"] == "forbidden"
    for name in ("zhang", "boss"):
        result = await people[name].push_one("conflicts.dismiss", {"id": conflict_id})
        assert result["status"] == "applied"
    li = people["li"]
    await li.sync_down()
    ids = sorted(str(people[n].user_id) for n in ("zhang", "boss"))
    assert li.conflicts()[conflict_id]["dismissed_by"] == ids


async def test_keep_mine_wins_and_the_other_author_is_told(
    people: dict[str, Phone], sites: tuple[int, int]
) -> None:
    zhang, li = people["zhang"], people["li"]
    finding_id, conflict_id = await concurrent_edit(people, sites[0])
    await li.push_one("conflicts.dismiss", {"id": conflict_id})
    # zhang restores his value, an edit made after seeing li's: it wins even with an older
    # clock, raises no new conflict, and li's copy of the conflict says so and is unread.
    result = await zhang.edit(
        finding_id, now_ms() - 90_000, location="3栋大堂", resolves=conflict_id
    )
    assert (result["status"], result["conflicts"]) == ("applied", [])
    await li.sync_down()
    assert li.local[("findings", finding_id)]["fields"]["location"] == "3栋大堂"
    assert list(li.conflicts()) == [conflict_id]
    notice = li.conflicts()[conflict_id]
    assert (notice["resolved_by"], notice["resolved_value"]) == (str(zhang.user_id), "3栋大堂")
    assert notice["resolved_at"] and notice["dismissed_by"] == [str(zhang.user_id)]


async def test_a_bad_base_revision_is_refused_with_its_field(
    people: dict[str, Phone], sites: tuple[int, int]
) -> None:
    finding_id = await shared_finding(people, sites[0])
    for bad in (-1, "7", None, 1.5):
        args = {"id": finding_id, "location": "x", "base_revision": bad}
        result = await people["zhang"].push_one("findings.upsert", args)
        assert result["status"] == "rejected"
        error = result["error"]
        assert (error["code"], error["field"]) == ("invalid_args", "base_revision")
