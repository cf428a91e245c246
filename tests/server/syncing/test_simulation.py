"""A seeded simulation of many phones syncing findings through the real app and database, with
the network misbehaving: requests lost before the server sees them, responses lost after it
processed them, batches sent twice, batches sent out of order, and device clocks an hour off.

Every device keeps its outbox until a final status arrives and pulls into its own replica, as
the PWA does. At the end all devices sync to completion and the server's sync tables are checked
against everything that was sent and acknowledged (see stress_kit's checks)."""

from __future__ import annotations

from collections import defaultdict
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace
from random import Random
from typing import Any

import httpx
import pytest

from server import db
from server.app import create_app
from server.findings.projections import FINDINGS
from server.findings.tables import Finding
from server.settings import Settings
from server.syncing.engine import open_store
from sync import audiences_of
from tests.conftest import PASSWORD, ApiClient, make_user

from .stress_kit import (
    SET_FIELDS,
    DeviceClock,
    Sent,
    check_comments,
    check_conflict_log,
    check_exactly_once,
    check_field_merges,
    check_projection,
    check_received_results,
    make_mutation,
    make_site,
    photo_hash,
    read_server,
    uuid_from,
)

SEEDS = [7, 1234, 90210]
STEPS = 700
DEVICES_PER_USER = 3
# name, roles, sites ("a", "b"); several users belong to both sites.
USERS = [
    ("sim_patrol_a", ["patrol"], "a"),
    ("sim_patrol_b", ["patrol"], "b"),
    ("sim_patrol_ab", ["patrol"], "ab"),
    ("sim_super_a", ["supervisor"], "a"),
    ("sim_super_ab", ["supervisor"], "ab"),
    ("sim_env_b", ["environment"], "b"),
    ("sim_env_ab", ["environment"], "ab"),
]
CATEGORIES = ["patrol", "cleaning", "greening", "pest", "parking", "other"]
WORDS = ["门锁损坏", "路灯不亮", "垃圾未清", "地下室漏水", "车位被占", "草坪枯黄", "gate", "leak"]
# What anyone edits; the reporter's and the assignee's fields; status is moved only by the
# state intents, so an upsert's status is sent only to be refused.
EDITABLE = ["location", "due_date", "status"]
REPORTERS = ["description", "photos"]
ASSIGNEES = ["fix_note"]
# Refusals that concurrent editing legitimately produces: the record was deleted, closed or
# moved before the mutation arrived; and the status upserts sent to be refused.
EXPECTED_REFUSALS = {
    "record_deleted",
    "record_locked",
    "forbidden",
    "not_found",
    "invalid_args",
    "finding_bad_transition",
}
# Faults a push may meet, with weights.
FAULTS = {
    "none": 40,
    "lost_request": 12,
    "lost_response": 12,
    "twice": 12,
    "later_batch_first": 12,
    "shuffled": 6,
}


@dataclass
class SimUser:
    name: str
    id: int
    roles: frozenset[str]
    sites: tuple[int, ...]


class DeviceClient(httpx.AsyncClient):
    """One phone's own HTTP client (its cookie jar: session and CSRF cookie, its CSRF header)
    talking to the one in-process server."""

    def __init__(self, server: ApiClient) -> None:
        super().__init__(
            base_url=server.base_url, transport=server._transport, headers=server.headers.copy()
        )

    async def sign_in(self, username: str) -> httpx.Response:
        token = (await self.get("/api/auth/csrf")).json()["csrf_token"]
        self.headers["X-CSRF-Token"] = token
        r = await self.post("/api/auth/login", json={"username": username, "password": PASSWORD})
        # The sign-in brings the session's own CSRF token.
        self.headers["X-CSRF-Token"] = (await self.get("/api/auth/csrf")).json()["csrf_token"]
        return r


def text(rng: Random) -> str:
    return f"{rng.choice(WORDS)} {rng.randrange(10**6)}"


class SimDevice:
    """One phone: its own session, device id, clock, outbox and replica."""

    def __init__(
        self,
        user: SimUser,
        client: DeviceClient,
        rng: Random,
        skew_ms: int,
        members: dict[int, list[int]],
    ) -> None:
        self.user = user
        self.client = client
        self.id = uuid_from(rng)
        self.clock = DeviceClock(self.id, skew_ms)
        self.members = members
        self.seq = 0
        self.outbox: list[Sent] = []
        self.made: list[Sent] = []
        self.received: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.replica: dict[tuple[str, str], dict[str, Any]] = {}
        self.cursor: str | None = None
        self.max_revision = 0
        self.resend_from: int | None = None
        self.pushes = 0

    # ---- making changes (the local view is server state with the outbox laid over it) -----

    def view(self) -> dict[str, dict[str, Any]]:
        findings = {k[1]: dict(v) for k, v in self.replica.items() if k[0] == "findings"}
        for s in self.outbox:
            args = s.args
            record_id = args.pop("id")
            if s.name == "findings.delete":
                findings.pop(record_id, None)
            elif s.name == "findings.upsert":
                current = findings.setdefault(record_id, {})
                for name, value in args.items():
                    if name in SET_FIELDS:
                        added = value if isinstance(value, list) else value.get("add", [])
                        removed = [] if isinstance(value, list) else value.get("remove", [])
                        now_set = set(current.get(name, [])) - set(removed) | set(added)
                        current[name] = sorted(now_set)
                    else:
                        current[name] = value
        return {k: v for k, v in findings.items() if "site_id" in v}

    def _make(self, rng: Random, name: str, args: dict[str, Any], refused: bool = False) -> None:
        self.seq += 1
        mutation, made_ms = make_mutation(self.id, self.seq, name, args, self.clock, rng)
        sent = Sent(self.id, self.user.id, mutation, made_ms, must_be_rejected=refused)
        self.outbox.append(sent)
        self.made.append(sent)

    def act(self, rng: Random) -> None:
        view = self.view()
        open_ids = sorted(k for k, v in view.items() if v.get("status") != "closed")
        roll = rng.random()
        if not open_ids or roll < 0.25:
            self._create(rng)
        elif roll < 0.8:
            record_id = rng.choice(open_ids if rng.random() < 0.9 else sorted(view))
            self._edit(rng, record_id, view[record_id])
        elif roll < 0.96 or "supervisor" not in self.user.roles:
            record_id = rng.choice(sorted(view))
            self._make(
                rng,
                "findings.comment",
                {"id": uuid_from(rng), "finding_id": record_id, "body": text(rng)},
            )
        else:
            self._make(rng, "findings.delete", {"id": rng.choice(sorted(view))})

    def _create(self, rng: Random) -> None:
        site = rng.choice(self.user.sites)
        args: dict[str, Any] = {
            "id": uuid_from(rng),
            "site_id": site,
            "category": rng.choice(CATEGORIES),
            "description": text(rng),
        }
        if rng.random() < 0.5:
            args["location"] = f"{rng.randint(1, 12)}栋 {rng.randint(1, 4)}单元"
        if rng.random() < 0.5:
            args["photos"] = [photo_hash(rng) for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.3:
            args["assignee_id"] = rng.choice(self.members[site])
        self._make(rng, "findings.upsert", args)

    def _edit(self, rng: Random, record_id: str, current: dict[str, Any]) -> None:
        args: dict[str, Any] = {"id": record_id}
        refused = False
        site = current["site_id"]
        editable = list(EDITABLE)
        supervisor = "supervisor" in self.user.roles
        if supervisor or current.get("created_by") == self.user.id:
            editable += REPORTERS
        if supervisor or current.get("assignee_id") == self.user.id:
            editable += ASSIGNEES
        names = rng.sample(editable, rng.randint(1, 3))
        if "status" in names and (self.user.roles != {"patrol"} or rng.random() >= 0.1):
            names = [n for n in names if n != "status"] or ["location"]
        if len(self.user.sites) > 1 and rng.random() < 0.05:
            names.append("site_id")
        for name in names:
            if name == "site_id":
                args[name] = next(s for s in self.user.sites if s != site)
            elif name in ("description", "fix_note"):
                args[name] = text(rng)
            elif name == "location":
                args[name] = f"{rng.randint(1, 12)}栋 {rng.randint(100, 2000)}"
            elif name == "due_date":
                due = f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                args[name] = None if rng.random() < 0.2 else due
            elif name == "status":
                args[name], refused = "verified", True  # never by an upsert
            elif name == "photos":
                have = current.get("photos", [])
                new = [photo_hash(rng) for _ in range(rng.randint(0, 2))]
                if rng.random() < 0.4:
                    args[name] = new or [photo_hash(rng)]
                else:
                    gone = rng.sample(have, min(len(have), rng.randint(0, 2)))
                    if not new and not gone:
                        new = [photo_hash(rng)]
                    args[name] = {"add": new, "remove": gone} if new else {"remove": gone}
        self._make(rng, "findings.upsert", args, refused)

    # ---- push, with the network's faults ---------------------------------------------------

    async def push(self, rng: Random, faults: bool = True) -> None:
        if not self.outbox:
            return
        self.pushes += 1
        size = rng.randint(1, 8)
        fault = rng.choices(list(FAULTS), weights=list(FAULTS.values()))[0] if faults else "none"
        must_go_on = False
        if self.resend_from is not None:
            # After `deferred`: resend from applied_through + 1, which must now be taken.
            batch = [s for s in self.outbox if s.seq >= self.resend_from][:size]
            assert batch and batch[0].seq == self.resend_from
            self.resend_from, must_go_on = None, fault not in ("lost_request", "lost_response")
        elif fault == "later_batch_first" and len(self.outbox) > 1:
            start = rng.randint(1, len(self.outbox) - 1)
            batch = self.outbox[start : start + size]
        else:
            batch = self.outbox[:size]
        order = list(batch)
        if fault == "shuffled":
            rng.shuffle(order)  # the server applies in seq order whatever the order in the body
        body = {"device_id": self.id, "mutations": [s.mutation for s in order]}
        if fault == "lost_request":
            return
        answer = await self.client.post("/api/sync/push", json=body)
        assert answer.status_code == 200, answer.text
        if fault == "lost_response":
            return
        answers = [answer]
        if fault == "twice":
            again = await self.client.post("/api/sync/push", json=body)
            assert again.status_code == 200, again.text
            answers.append(again)
        for a in answers:
            self._take(order, a.json())
        if must_go_on:
            first = next(r for r in answers[0].json()["results"] if r["id"] == batch[0].id)
            assert first["status"] != "deferred", first

    def _take(self, batch: list[Sent], body: dict[str, Any]) -> None:
        through = body["applied_through"]
        results = body["results"]
        assert [r["id"] for r in results] == [s.id for s in batch]
        deferred = False
        for s, r in zip(batch, results, strict=True):
            self.received[s.id].append(r)
            if r["status"] == "deferred":
                assert s.seq > through, (s.seq, through, r)
                assert r["error"]["code"] == "seq_gap", r
                assert f"expected seq {through + 1}" in r["error"]["message"], r
                deferred = True
                continue
            assert s.seq <= through, (s.seq, through, r)
            # A duplicate carries the first result's error: a refusal stays a refusal.
            refused = r["status"] == "rejected" or (r["status"] == "duplicate" and r["error"])
            if s.must_be_rejected:
                assert refused, (s.mutation, r)
            if refused:
                assert r["error"]["code"] in EXPECTED_REFUSALS, (s.mutation, r)
            if s in self.outbox:
                self.outbox.remove(s)  # final: the device drops it (and shows a refusal)
        if deferred:
            self.resend_from = through + 1

    async def push_all(self, rng: Random) -> None:
        for _ in range(10 * len(self.outbox) + 10):
            if not self.outbox:
                return
            await self.push(rng, faults=False)
        raise AssertionError(f"{self.id}: outbox never drained: {self.outbox[:3]}")

    # ---- pull ----------------------------------------------------------------------------

    async def pull(self, limit: int, pages: int | None = None) -> None:
        done = 0
        while True:
            params: dict[str, Any] = {"limit": limit}
            if self.cursor:
                params["cursor"] = self.cursor
            answer = await self.client.get("/api/sync/pull", params=params)
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert body["reset"] is False
            for change in body["changes"]:
                # Revisions only grow along one device's stream: nothing comes twice.
                assert change["revision"] > self.max_revision, (change, self.max_revision)
                self.max_revision = change["revision"]
                key = (change["collection"], change["id"])
                if change["deleted"]:
                    assert change["fields"] == {}
                    self.replica.pop(key, None)
                else:
                    # (d) never a record of a site this user does not belong to; but a
                    # conflict is told to its two authors, even after the record moved away.
                    fields = change["fields"]
                    authors = (fields.get("kept_by"), fields.get("discarded_by"))
                    assert fields["site_id"] in self.user.sites or (
                        change["collection"] == "conflicts" and str(self.user.id) in authors
                    ), (self.user, change)
                    self.replica[key] = change["fields"]
            self.cursor = body["cursor"]
            done += 1
            if not body["has_more"] or (pages is not None and done >= pages):
                return


def skew_for(rng: Random) -> int:
    """Device clock error: none, a little, or far out (up to an hour either way). Skews stay
    clear of the 5-minute clamp threshold so that clamping is decided by the seed."""
    kind = rng.choice(["exact", "exact", "small", "behind", "ahead"])
    if kind == "small":
        return rng.randint(-60_000, 60_000)
    if kind == "behind":
        return -rng.randint(600_000, 3_600_000)
    if kind == "ahead":
        return rng.randint(600_000, 3_600_000)
    return 0


@pytest.mark.parametrize("seed", SEEDS)
async def test_devices_converge_through_lost_duplicated_and_reordered_batches(
    settings: Settings, seed: int
) -> None:
    rng = Random(seed)
    db.configure(db.engine_from_url(settings.database.url))
    sites = {"a": await make_site(f"sim-a-{seed}"), "b": await make_site(f"sim-b-{seed}")}
    users = []
    for name, roles, codes in USERS:
        site_ids = tuple(sites[c] for c in codes)
        user_id = await make_user(name, roles, list(site_ids))
        users.append(SimUser(name, user_id, frozenset(roles), site_ids))
    members = {s: [u.id for u in users if s in u.sites] for s in sites.values()}
    # One server (with its PostgreSQL pool: everything the app does runs on the test client's
    # own event loop from here on), and one HTTP client per device with its own cookie jar.
    pooled = replace(settings, database=replace(settings.database, pool=True))
    async with AsyncExitStack() as stack:
        app = await stack.enter_async_context(ApiClient(app=create_app(pooled)))
        devices: list[SimDevice] = []
        for user in users:
            for _ in range(DEVICES_PER_USER):
                client = DeviceClient(app)
                signed_in = await client.sign_in(user.name)
                assert signed_in.status_code == 200, signed_in.text
                devices.append(SimDevice(user, client, rng, skew_for(rng), members))

        for _ in range(STEPS):
            device = rng.choice(devices)
            roll = rng.random()
            if roll < 0.45:
                for _ in range(rng.randint(1, 3)):
                    device.act(rng)
            elif roll < 0.8 or device.resend_from is not None:
                await device.push(rng)
            else:
                limit = rng.choice([1, 3, 7, 50, 500])
                await device.pull(limit, pages=rng.choice([1, 2, None]))

        # Everyone comes online for good: drain every outbox, then pull to the end.
        for device in devices:
            await device.push_all(rng)
        for device in devices:
            await device.pull(rng.choice([7, 500]))

        server = await read_server(settings.database.url)
        sent = [s for d in devices for s in d.made]
        received = {k: v for d in devices for k, v in d.received.items()}

        # (b) exactly once: one stored result per mutation, seqs 1..n, applied_through = n;
        # what devices were told agrees with it; the conflict log holds each loss once.
        check_exactly_once(sent, server)
        check_received_results(received, server)
        check_conflict_log(server)
        assert len({r.revision for r in server.records.values()}) == len(server.records)
        check_comments(sent, server)
        # (a) and (e): acknowledged values are kept or beaten by a later stamp; set adds stay.
        failures = check_field_merges(sent, server)
        assert not failures, "\n".join(failures[:20])
        # (c) each replica is exactly the server's state within the user's sites.
        for device in devices:
            user = device.user
            audiences = audiences_of(str(user.id), user.roles, frozenset(map(str, user.sites)))
            assert device.replica == server.view(user.sites, audiences), user.name

        statuses: dict[str, int] = defaultdict(int)
        for _, _, result in server.results.values():
            statuses[result["status"]] += 1
        answers = [a["status"] for v in received.values() for a in v]
        print(
            f"seed {seed}: {len(devices)} devices, {len(users)} users, {len(sent)} mutations,"
            f" {sum(d.pushes for d in devices)} pushes, results {dict(statuses)},"
            f" answers {dict((k, answers.count(k)) for k in set(answers))}"
        )
        # The run really exercised what it claims to.
        assert len(devices) >= 20 and len(users) >= 6
        assert statuses["applied"] > 200 and statuses["merged"] > 5, statuses
        assert statuses["rejected"] > 0, statuses
        assert answers.count("duplicate") > 10 and answers.count("deferred") > 10
        assert any(r.deleted for r in server.records.values())
        assert any(len(r.seen_sites) > 1 for r in server.records.values())

    # The typed findings table written with each push equals the records; `reproject` rebuilds
    # the same table, over it and from nothing.
    url = settings.database.url
    projected = await check_projection(FINDINGS, url)
    assert projected > 100, projected
    async with open_store(settings) as store:
        assert await store.reproject("findings") == projected
        await check_projection(FINDINGS, url)
        await Finding.delete(force=True)
        assert await store.reproject("findings") == projected
    await check_projection(FINDINGS, url)
