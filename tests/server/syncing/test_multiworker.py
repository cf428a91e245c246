"""Rule 5 (no skipped changes) where it is hardest: `fieldkeep serve --workers 4` on PostgreSQL,
eight phones pushing at once (some sending the same batch twice at the same moment, to two
workers), and four phones pulling in small pages the whole time. Every puller must end with
exactly the server's state and must never have had its cursor pass a revision it did not get.

Under --db sqlite the same runs with two workers (SQLite's write lock serialises them)."""

from __future__ import annotations

import asyncio
import threading
import time
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from random import Random
from typing import Any

import httpx
import pytest

from server import db
from sync import audiences_of
from tests.conftest import PASSWORD, empty_all_tables, make_user

from .stress_kit import (
    ACKNOWLEDGED,
    HttpDevice,
    LiveServer,
    Sent,
    ServerState,
    check_comments,
    check_conflict_log,
    check_exactly_once,
    check_field_merges,
    check_received_results,
    http_sign_in,
    make_site,
    photo_hash,
    read_server,
    uuid_from,
)

SEED = 4242
PUSHERS_PER_USER = 2
ROUNDS = 18
PULL_LIMIT = 7
HOT_PER_SITE = 4
# name, roles, sites
USERS = [
    ("mw_super_ab", ["supervisor"], "ab"),
    ("mw_env_ab", ["environment"], "ab"),
    ("mw_patrol_a", ["patrol"], "a"),
    ("mw_patrol_b", ["patrol"], "b"),
]
# Who pulls (the same user twice: two phones), one of them seeing one site only.
PULLERS = ["mw_super_ab", "mw_env_ab", "mw_super_ab", "mw_patrol_a"]


@dataclass
class Page:
    changes: list[dict[str, Any]]
    has_more: bool
    received_ns: int


@dataclass
class Ack:
    """A revision of a record some push was answered with, and when that push was sent."""

    key: tuple[str, str]
    revision: int
    sent_ns: int


@dataclass
class Pusher:
    device: HttpDevice
    sites: tuple[int, ...]
    acks: list[Ack] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    # What this user may edit of a finding a supervisor reported (not the description, photos
    # or fix unless a supervisor).
    editable: tuple[str, ...] = ("location",)


def key_of(s: Sent) -> tuple[str, str]:
    if s.name == "findings.comment":
        return ("finding_comments", s.args["id"])
    return ("findings", s.args["id"])


def send_into(
    device: HttpDevice, batch: list[Sent], client: httpx.Client, answers: list[dict[str, Any]]
) -> None:
    answers.append(device.send(batch, client))


def work(p: Pusher, rng: Random, hot: dict[int, list[str]], second: httpx.Client) -> None:
    """Push ROUNDS batches: new findings, edits of the hot findings everyone edits, comments."""
    try:
        for _ in range(ROUNDS):
            for _ in range(rng.randint(1, 4)):
                site = rng.choice(p.sites)
                roll = rng.random()
                if roll < 0.2:
                    p.device.make(
                        "findings.upsert",
                        {
                            "id": uuid_from(rng),
                            "site_id": site,
                            "category": "other",
                            "description": f"new {rng.randrange(10**6)}",
                        },
                    )
                elif roll < 0.85:
                    args: dict[str, Any] = {"id": rng.choice(hot[site])}
                    for name in rng.sample(p.editable, min(2, len(p.editable))):
                        value = f"{name} {rng.randrange(10**6)}"
                        args[name] = [photo_hash(rng)] if name == "photos" else value
                    p.device.make("findings.upsert", args)
                else:
                    p.device.make(
                        "findings.comment",
                        {"id": uuid_from(rng), "finding_id": rng.choice(hot[site]), "body": "ok"},
                    )
            batch = list(p.device.outbox)
            sent_ns = time.monotonic_ns()
            if rng.random() < 0.2:
                # The same batch twice at the same moment (a retry racing the original), very
                # likely to two different workers: each mutation must still apply once.
                answers: list[dict[str, Any]] = []
                twin = threading.Thread(target=send_into, args=(p.device, batch, second, answers))
                twin.start()
                answers.append(p.device.send(batch))
                twin.join()
                assert len(answers) == 2, "the twin push failed"
            else:
                answers = [p.device.send(batch)]
            for answer in answers:
                for s, r in zip(batch, answer["results"], strict=True):
                    assert r["status"] != "deferred" and r["status"] != "rejected", (s, r)
                    if r["revision"] is not None and r["error"] is None:
                        p.acks.append(Ack(key_of(s), r["revision"], sent_ns))
                p.device.take(batch, answer)
            assert not p.device.outbox
    except BaseException as exc:
        p.errors.append(exc)


def pull_until(client: httpx.Client, stop: threading.Event, pages: list[Page]) -> None:
    cursor: str | None = None
    while True:
        # Read before the pull: a pull that starts after every push was answered, and ends
        # with has_more false, has everything.
        final = stop.is_set()
        params: dict[str, Any] = {"limit": PULL_LIMIT}
        if cursor:
            params["cursor"] = cursor
        answer = client.get("/api/sync/pull", params=params)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["reset"] is False
        pages.append(Page(body["changes"], body["has_more"], time.monotonic_ns()))
        cursor = body["cursor"]
        if final and not body["has_more"]:
            return


@dataclass
class Storm:
    """What one run of the storm left: the server's tables and what every phone saw."""

    state: ServerState
    sent: list[Sent]
    pushers: list[Pusher]
    pullers: list[tuple[str, list[Page]]]
    users: dict[str, tuple[int, tuple[int, ...]]]
    on_postgres: bool


@pytest.fixture(scope="module")
def storm(
    database_url: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Storm:
    """Runs the storm once for the tests below (each checks one rule on its outcome)."""
    on_postgres = request.config.getoption("--db") == "postgres"
    url = database_url
    rng = Random(SEED)

    async def seed() -> tuple[dict[str, int], dict[str, tuple[int, tuple[int, ...]]]]:
        await empty_all_tables(url)
        db.configure(db.engine_from_url(url))
        sites = {"a": await make_site("mw-a"), "b": await make_site("mw-b")}
        users = {}
        for name, roles, codes in USERS:
            site_ids = tuple(sites[c] for c in codes)
            users[name] = (await make_user(name, roles, list(site_ids)), site_ids)
        return sites, users

    sites, users = asyncio.run(seed())
    # Several workers on SQLite too: its write lock serialises them, so it must hold there.
    server = LiveServer(url, tmp_path_factory.mktemp("storm"), workers=4 if on_postgres else 2)
    server.start()
    clients: list[httpx.Client] = []
    try:
        pushers: list[Pusher] = []
        for name, roles, _ in USERS:
            for _ in range(PUSHERS_PER_USER):
                client = http_sign_in(server.url, name, PASSWORD)
                clients.append(client)
                user_id, site_ids = users[name]
                pusher = Pusher(HttpDevice(client, user_id, rng), site_ids)
                if "supervisor" in roles:
                    pusher.editable = ("description", "location", "fix_note", "photos")
                pushers.append(pusher)
        # The hot findings every pusher of a site edits, and every device bound, before the
        # storm.
        hot: dict[int, list[str]] = {}
        for site in sites.values():
            creator = next(p for p in pushers if site in p.sites)
            hot[site] = [uuid_from(rng) for _ in range(HOT_PER_SITE)]
            for record_id in hot[site]:
                creator.device.make(
                    "findings.upsert",
                    {"id": record_id, "site_id": site, "category": "other", "description": "hot"},
                )
        for p in pushers:
            if not p.device.outbox:
                p.device.make(
                    "findings.comment",
                    {"id": uuid_from(rng), "finding_id": hot[p.sites[0]][0], "body": "hello"},
                )
            batch = list(p.device.outbox)
            answer = p.device.send(batch)
            p.device.take(batch, answer)
            assert not p.device.outbox
            p.acks += [
                Ack(key_of(s), r["revision"], 0)
                for s, r in zip(batch, answer["results"], strict=True)
            ]

        pullers: list[tuple[str, httpx.Client, list[Page]]] = []
        for name in PULLERS:
            client = http_sign_in(server.url, name, PASSWORD)
            clients.append(client)
            pullers.append((name, client, []))
        stop = threading.Event()
        puller_errors: list[BaseException] = []

        def run_puller(client: httpx.Client, pages: list[Page]) -> None:
            try:
                pull_until(client, stop, pages)
            except BaseException as exc:
                puller_errors.append(exc)

        pull_threads = [
            threading.Thread(target=run_puller, args=(c, pages)) for _, c, pages in pullers
        ]
        seconds = [httpx.Client(base_url=server.url, timeout=120) for _ in pushers]
        for p, second in zip(pushers, seconds, strict=True):
            second.cookies = p.device.client.cookies
            second.headers["X-CSRF-Token"] = p.device.client.headers["X-CSRF-Token"]
        clients += seconds
        push_threads = [
            threading.Thread(target=work, args=(p, Random(rng.random()), hot, second))
            for p, second in zip(pushers, seconds, strict=True)
        ]
        for t in pull_threads + push_threads:
            t.start()
        for t in push_threads:
            t.join()
        stop.set()
        for t in pull_threads:
            t.join()
        for p in pushers:
            if p.errors:
                raise p.errors[0]
        if puller_errors:
            raise puller_errors[0]
    finally:
        for c in clients:
            c.close()
        server.stop()

    state = asyncio.run(read_server(url))
    return Storm(
        state,
        [s for p in pushers for s in p.device.made],
        pushers,
        [(name, pages) for name, _, pages in pullers],
        users,
        on_postgres,
    )


def test_each_mutation_applies_once_though_batches_race_their_retries(storm: Storm) -> None:
    state, sent = storm.state, storm.sent
    check_exactly_once(sent, state)
    received = {k: v for p in storm.pushers for k, v in p.device.received.items()}
    check_received_results(received, state)
    check_conflict_log(state)
    check_comments(sent, state)
    assert all(state.results[s.id][2]["status"] in ACKNOWLEDGED for s in sent)
    assert sum(len(v) > 1 for v in received.values()) > 20  # the races really happened


def test_pullers_miss_no_revision_while_workers_commit_concurrently(storm: Storm) -> None:
    state = storm.state
    # Every revision of a record that pushes were answered with, and when the push that made
    # the record's next revision was sent (None: none did, it is the final one).
    history: dict[tuple[str, str], dict[int, int]] = defaultdict(dict)
    for p in storm.pushers:
        for a in p.acks:
            earliest = history[a.key].get(a.revision)
            history[a.key][a.revision] = a.sent_ns if earliest is None else min(earliest, a.sent_ns)
    for key, record in state.records.items():
        if key[0] == "conflicts":
            continue  # written by the engine beside a push's record: no push is answered with it
        assert max(history[key]) == record.revision, (key, history[key], record.revision)
    # (revision, record, when the push making the record's next revision was sent or None)
    timeline: list[tuple[int, tuple[str, str], int | None]] = []
    for key, revisions in history.items():
        ordered = sorted(revisions)
        for i, revision in enumerate(ordered):
            later = revisions[ordered[i + 1]] if i + 1 < len(ordered) else None
            timeline.append((revision, key, later))
    timeline.sort()
    positions = [t[0] for t in timeline]

    for name, pages in storm.pullers:
        user_id, sites = storm.users[name]
        site_ids = frozenset(str(s) for s in sites)
        roles = frozenset(next(r for n, r, _ in USERS if n == name))
        # What the puller's pulls select by: its sites and its audience tokens (conflicts).
        scope = site_ids | audiences_of(str(user_id), roles, site_ids)
        replica: dict[tuple[str, str], dict[str, Any]] = {}
        seen: set[tuple[str, str, int]] = set()
        last = 0
        missed: list[str] = []
        for page in pages:
            start = last
            in_page: set[tuple[str, str, int]] = set()
            for change in page.changes:
                assert change["revision"] > last, (name, change, last)
                last = change["revision"]
                key = (change["collection"], change["id"])
                seen.add((*key, change["revision"]))
                in_page.add((*key, change["revision"]))
                if change["deleted"]:
                    replica.pop(key, None)
                else:
                    assert str(change["fields"]["site_id"]) in site_ids
                    replica[key] = change["fields"]
            # Rule 5, page by page: a revision within the range this page covered must be in
            # it, unless its record had moved on already (the push that made its next revision
            # was sent before this page came back).
            for revision, key, later in timeline[
                bisect_right(positions, start) : bisect_right(positions, last)
            ]:
                if state.records[key].sites.isdisjoint(scope):
                    continue
                if later is not None and later < page.received_ns:
                    continue
                if (*key, revision) not in in_page:
                    missed.append(f"{name}: {key} revision {revision} passed over")
        assert not missed, "\n".join(missed[:20])
        assert replica == state.view(sites, scope), name
        # Every record's final revision reached every puller that may see it.
        for key, record in state.records.items():
            if not record.sites.isdisjoint(scope):
                assert (*key, record.revision) in seen, (name, key, record.revision)


def test_no_acknowledged_edit_is_lost_to_a_concurrent_writer(
    storm: Storm, request: pytest.FixtureRequest
) -> None:
    """Rule 3 under concurrency: every acknowledged field value is still there or was beaten
    by a later stamp; every acknowledged photo add is still there."""
    failures = check_field_merges(storm.sent, storm.state)
    assert not failures, f"{len(failures)} lost:\n" + "\n".join(failures[:10])
