"""Shared by the sync stress tests (simulation, several workers, kill): a device's own hybrid
logical clock, the server's sync tables read straight from the database, the invariants every
one of those tests checks on them, and a real `fieldkeep serve` subprocess."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from random import Random
from typing import Any

import asyncpg
import httpx

from server import db
from server.auth.service import now
from server.sites.tables import Site
from server.syncing.projection import Projection

STAMP = "%015d-%05d-%s"
MAX_AHEAD_MS = 300_000  # DESIGN.md rule 3: a stamp further ahead is clamped to the server clock
SET_FIELDS = frozenset({"photos", "fix_photos"})
# What findings.upsert fills in on a create when the device does not send it.
CREATE_DEFAULTS: dict[str, Any] = {
    "location": "",
    "fix_note": "",
    "unit_id": None,
    "assignee_id": None,
    "due_date": None,
}
ACKNOWLEDGED = ("applied", "merged")


def status_of_new(args: dict[str, Any]) -> str:
    """The status the server gives a finding created with these arguments."""
    return "assigned" if args.get("assignee_id") is not None else "open"


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


def uuid_from(rng: Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def photo_hash(rng: Random) -> str:
    return f"{rng.getrandbits(256):064x}"


def node_of(stamp: str) -> str:
    return stamp.split("-", 2)[2]


class DeviceClock:
    """The device's own hybrid logical clock, as the PWA keeps it: its wall clock may be off."""

    def __init__(self, node: str, skew_ms: int = 0) -> None:
        self.node = node
        self.skew_ms = skew_ms
        self._wall = 0
        self._counter = 0

    def tick(self) -> str:
        now = wall_ms() + self.skew_ms
        if now > self._wall:
            self._wall, self._counter = now, 0
        else:
            self._counter += 1
            if self._counter > 99_999:
                self._wall, self._counter = self._wall + 1, 0
        return STAMP % (self._wall, self._counter, self.node)


def least_effective_stamp(stamp: str, made_ms: int) -> str:
    """The smallest stamp the server can have given a mutation stamped `stamp` and made at
    `made_ms` (server clock): the server clamps a stamp more than MAX_AHEAD_MS ahead of its
    clock when it processes it (at or after `made_ms`), and never lowers it otherwise."""
    ms, counter = int(stamp[:15]), int(stamp[16:21])
    if ms - made_ms <= MAX_AHEAD_MS:
        return stamp
    return STAMP % (made_ms, counter, node_of(stamp))


@dataclass
class Sent:
    """A mutation as its device made it (and keeps it in its outbox until a final status)."""

    device_id: str
    user_id: int
    mutation: dict[str, Any]
    made_ms: int
    # For mutations a role may not send: it must come back rejected.
    must_be_rejected: bool = False

    @property
    def id(self) -> str:
        return str(self.mutation["id"])

    @property
    def seq(self) -> int:
        return int(self.mutation["seq"])

    @property
    def name(self) -> str:
        return str(self.mutation["name"])

    @property
    def args(self) -> dict[str, Any]:
        return dict(self.mutation["args"])

    @property
    def least_stamp(self) -> str:
        return least_effective_stamp(self.mutation["hlc"], self.made_ms)


def make_mutation(
    device_id: str, seq: int, name: str, args: dict[str, Any], clock: DeviceClock, rng: Random
) -> tuple[dict[str, Any], int]:
    made = wall_ms()
    return (
        {"id": uuid_from(rng), "seq": seq, "name": name, "args": args, "hlc": clock.tick()},
        made,
    )


# ---- the server's sync tables, read straight from the database ---------------------------------


@dataclass
class Record:
    collection: str
    id: str
    fields: dict[str, Any]
    stamps: dict[str, str]
    set_state: dict[str, dict[str, list[str]]]
    deleted: bool
    sites: frozenset[str]
    seen_sites: frozenset[str]
    revision: int


@dataclass
class ServerState:
    records: dict[tuple[str, str], Record]
    # mutation id -> (device id, seq, first result as the wire shows it)
    results: dict[str, tuple[str, int, dict[str, Any]]]
    result_rows: Counter[str]
    conflicts: list[dict[str, Any]]
    devices: dict[str, tuple[str, int]]  # device id -> (user id, applied_through)

    def view(
        self, site_ids: Iterable[int | str], audiences: Iterable[str] = ()
    ) -> dict[tuple[str, str], dict[str, Any]]:
        """What a user of these sites (and these audience tokens) should hold after pulling
        to the end."""
        sites = {str(s) for s in site_ids} | {"*"} | set(audiences)
        return {
            key: r.fields
            for key, r in self.records.items()
            if not r.deleted and not r.sites.isdisjoint(sites)
        }

    def live(self, collection: str, record_id: str) -> Record | None:
        r = self.records.get((collection, record_id))
        return None if r is None or r.deleted else r


_QUERIES = {
    "records": "SELECT collection, record_id, fields, stamps, set_state, deleted, sites,"
    " seen_sites, revision FROM sync_record",
    "results": "SELECT mutation_id, device_id, seq, result FROM sync_result",
    "conflicts": "SELECT mutation_id, collection, record_id, field, kept, discarded, kept_stamp,"
    " discarded_stamp, kept_by, discarded_by, conflict_id FROM sync_conflict",
    "devices": "SELECT device_id, user_id, applied_through FROM sync_device",
}


async def _fetch_all(url: str) -> dict[str, list[tuple[Any, ...]]]:
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30)
        try:
            return {k: [tuple(r) for r in conn.execute(q)] for k, q in _QUERIES.items()}
        finally:
            conn.close()
    pg = await asyncpg.connect(url, timeout=10)
    try:
        async with pg.transaction(isolation="repeatable_read", readonly=True):
            return {k: [tuple(r) for r in await pg.fetch(q)] for k, q in _QUERIES.items()}
    finally:
        await pg.close()


async def read_server(url: str) -> ServerState:
    raw = await _fetch_all(url)
    records = {}
    for row in raw["records"]:
        r = Record(
            collection=row[0],
            id=row[1],
            fields=json.loads(row[2]),
            stamps=json.loads(row[3]),
            set_state=json.loads(row[4]),
            deleted=bool(row[5]),
            sites=frozenset(json.loads(row[6])),
            seen_sites=frozenset(json.loads(row[7])),
            revision=int(row[8]),
        )
        records[(r.collection, r.id)] = r
    results = {}
    result_rows: Counter[str] = Counter()
    for mutation_id, device_id, seq, text in raw["results"]:
        result_rows[mutation_id] += 1
        results[mutation_id] = (device_id, int(seq), json.loads(text)["result"])
    conflicts = [
        {
            "mutation_id": r[0],
            "collection": r[1],
            "record_id": r[2],
            "field": r[3],
            "kept": json.loads(r[4]),
            "discarded": json.loads(r[5]),
            "kept_stamp": r[6],
            "discarded_stamp": r[7],
            "kept_by": r[8],
            "discarded_by": r[9],
            "conflict_id": r[10],
        }
        for r in raw["conflicts"]
    ]
    devices = {r[0]: (r[1], int(r[2])) for r in raw["devices"]}
    return ServerState(records, results, result_rows, conflicts, devices)


# ---- invariants ------------------------------------------------------------------------------


def check_exactly_once(sent: list[Sent], server: ServerState) -> None:
    """Every mutation has exactly one stored (first) result, every device's seqs are 1..n with
    none stored twice, and every device's applied_through is its last seq."""
    by_id = {s.id: s for s in sent}
    assert len(by_id) == len(sent), "the test made a mutation id twice"
    assert set(server.results) == set(by_id), (
        f"missing results: {sorted(set(by_id) - set(server.results))[:5]}, "
        f"unexpected: {sorted(set(server.results) - set(by_id))[:5]}"
    )
    assert all(n == 1 for n in server.result_rows.values())
    seqs: dict[str, list[int]] = defaultdict(list)
    for mutation_id, (device_id, seq, result) in server.results.items():
        s = by_id[mutation_id]
        assert (device_id, seq) == (s.device_id, s.seq), mutation_id
        assert result["status"] in ("applied", "merged", "rejected"), result
        seqs[device_id].append(seq)
    for device_id, got in seqs.items():
        assert sorted(got) == list(range(1, len(got) + 1)), f"{device_id}: seqs {sorted(got)}"
        assert server.devices[device_id][1] == len(got), (device_id, server.devices[device_id])


def check_received_results(
    received: Mapping[str, list[dict[str, Any]]], server: ServerState
) -> None:
    """What a device was told agrees with the stored first result; a mutation is reported as
    taken (applied/merged/rejected) at most once, every other answer is a `duplicate`."""
    for mutation_id, answers in received.items():
        finals = [a for a in answers if a["status"] != "deferred"]
        first = server.results[mutation_id][2]
        fresh = [a for a in finals if a["status"] != "duplicate"]
        assert len(fresh) <= 1, f"{mutation_id} processed twice: {fresh}"
        for a in fresh:
            assert a == first, (a, first)
        for a in finals:
            if a["status"] == "duplicate":
                assert (a["revision"], a["conflicts"], a["error"]) == (
                    first["revision"],
                    first["conflicts"],
                    first["error"],
                ), (a, first)


def check_conflict_log(server: ServerState) -> None:
    """The conflict log holds concurrent edits by two different people, each once, and each
    with its `conflicts` record. These devices send no base revision, so a loss is the only
    sign of concurrency: each row is one of the losses its mutation was told of (losses to
    the same person's other phone, to a server decision or of a set element are not logged)."""
    told: dict[str, Counter[str]] = defaultdict(Counter)
    for mutation_id, (_, _, result) in server.results.items():
        assert (result["status"] == "merged") == bool(result["conflicts"]), result
        for c in result["conflicts"]:
            told[mutation_id][json.dumps([c["field"], c["kept"], c["discarded"]])] += 1
    logged: dict[str, Counter[str]] = defaultdict(Counter)
    for c in server.conflicts:
        assert c["kept_stamp"] > c["discarded_stamp"], c
        assert c["kept_by"] != c["discarded_by"], c
        logged[c["mutation_id"]][json.dumps([c["field"], c["kept"], c["discarded"]])] += 1
        record = server.records[("conflicts", c["conflict_id"])]
        assert (record.fields["kept"], record.fields["discarded"]) == (c["kept"], c["discarded"])
    for mutation_id, rows in logged.items():
        assert rows <= told[mutation_id], (mutation_id, rows, told[mutation_id])
    assert len(server.conflicts) == sum(1 for key in server.records if key[0] == "conflicts")


def _set_ops(value: Any) -> tuple[list[str], list[str]]:
    if isinstance(value, list):
        return value, []
    return list(value.get("add", [])), list(value.get("remove", []))


def check_field_merges(sent: list[Sent], server: ServerState) -> list[str]:
    """Rule 3 from the outside, for every acknowledged findings.upsert on a live record:
    (a) a plain field is the value sent, or lost and was reported as a conflict, or was beaten
        later by a strictly greater stamp; and each final field value comes from an
        acknowledged mutation of the device its stamp names;
    (e) a set element added is still there unless a strictly later remove, which a device
        really sent, covers it.
    Returns the failures (empty when all hold), so a caller can show them all at once."""
    failures: list[str] = []
    writes: dict[tuple[str, str, str], list[tuple[Sent, Any]]] = defaultdict(list)
    removes: dict[tuple[str, str, str], list[Sent]] = defaultdict(list)
    adds: dict[tuple[str, str, str], list[Sent]] = defaultdict(list)
    creators: dict[str, list[Sent]] = defaultdict(list)
    conflict_rows = {(c["mutation_id"], c["field"]): c for c in server.conflicts}
    for s in sent:
        if s.name != "findings.upsert" or server.results[s.id][2]["status"] not in ACKNOWLEDGED:
            continue
        args = s.args
        record_id = args.pop("id")
        creators[record_id].append(s)
        for name, value in args.items():
            if name in SET_FIELDS:
                added, removed = _set_ops(value)
                for e in added:
                    adds[(record_id, name, e)].append(s)
                for e in removed:
                    removes[(record_id, name, e)].append(s)
            else:
                writes[(record_id, name, s.device_id)].append((s, value))

    for s in sent:
        if s.name != "findings.upsert":
            continue
        result = server.results[s.id][2]
        if result["status"] not in ACKNOWLEDGED:
            continue
        args = s.args
        record = server.live("findings", args.pop("id"))
        if record is None:
            continue  # deleted since: a delete wins over every edit
        lost = {c["field"]: c for c in result["conflicts"]}
        least = s.least_stamp
        for name, value in args.items():
            if name in SET_FIELDS:
                state = record.set_state.get(name, {})
                added, removed = _set_ops(value)
                for e in added:
                    if e not in state or state[e][0] < least:
                        failures.append(
                            f"{s.id}: add {name}/{e[:8]} on {record.id} lost: {state.get(e)}"
                        )
                    elif e not in record.fields.get(name, []):
                        add_stamp, remove_stamp = state[e]
                        cover = [
                            r
                            for r in removes[(record.id, name, e)]
                            if r.device_id == node_of(remove_stamp)
                            and r.least_stamp <= remove_stamp
                        ]
                        if not (remove_stamp > add_stamp and cover):
                            failures.append(f"{s.id}: add {name}/{e[:8]} on {record.id} gone")
                for e in removed:
                    if e not in state or state[e][1] < least:
                        failures.append(f"{s.id}: remove {name}/{e[:8]} on {record.id} lost")
                continue
            final, stamp = record.fields.get(name), record.stamps.get(name)
            if stamp is None:
                failures.append(f"{s.id}: {record.id}.{name} has no stamp")
            elif name in lost:
                row = conflict_rows.get((s.id, name))
                if lost[name]["discarded"] != value or (row and stamp < row["kept_stamp"]):
                    failures.append(
                        f"{s.id}: conflict on {record.id}.{name} misreported: {lost[name]}"
                    )
            elif final != value and not stamp > least:
                failures.append(
                    f"{s.id}: {record.id}.{name}={value!r} acknowledged at >= {least}, but the "
                    f"record holds {final!r} stamped {stamp} (an update was lost)"
                )

    # Every final value was sent, acknowledged, by the device its stamp names.
    for (collection, record_id), record in server.records.items():
        if collection != "findings" or record.deleted:
            continue
        for name, stamp in record.stamps.items():
            value, node = record.fields.get(name), node_of(stamp)
            ok = any(
                v == value and s.least_stamp <= stamp for s, v in writes[(record_id, name, node)]
            )
            if not ok:
                made = [s for s in creators[record_id] if s.device_id == node]
                if name == "status":  # the server's: assigned when created with an assignee
                    ok = any(value == status_of_new(s.args) for s in made)
                elif name in CREATE_DEFAULTS:
                    ok = value == CREATE_DEFAULTS[name] and any(name not in s.args for s in made)
                elif name == "created_by":
                    ok = any(value == s.user_id for s in made)
                elif name == "created_at":
                    ok = bool(made)
            if not ok:
                failures.append(f"{record_id}.{name}={value!r} ({stamp}) was never acknowledged")
        for name, elements in record.set_state.items():
            present = sorted(e for e, (a, r) in elements.items() if a and a >= r)
            if record.fields.get(name) != present:
                failures.append(f"{record_id}.{name} does not match its element stamps")
            for e, (a, _) in elements.items():
                if a and not any(
                    s.device_id == node_of(a) and s.least_stamp <= a
                    for s in adds[(record_id, name, e)]
                ):
                    failures.append(f"{record_id}.{name}/{e[:8]} add stamp {a} never acknowledged")
    return failures


def check_comments(sent: list[Sent], server: ServerState) -> None:
    """Each acknowledged comment is one finding_comments record with what was sent; no more."""
    comments = {k[1]: r for k, r in server.records.items() if k[0] == "finding_comments"}
    taken = [
        s
        for s in sent
        if s.name == "findings.comment" and server.results[s.id][2]["status"] in ACKNOWLEDGED
    ]
    assert len({s.args["id"] for s in taken}) == len(taken)
    assert set(comments) == {s.args["id"] for s in taken}
    for s in taken:
        r = comments[s.args["id"]]
        assert not r.deleted
        assert r.fields["body"] == s.args["body"]
        assert r.fields["finding_id"] == s.args["finding_id"]
        assert r.fields["author_id"] == s.user_id
        assert server.results[s.id][2]["revision"] == r.revision


async def check_projection(projection: Projection, url: str) -> int:
    """The projection's typed table (read through Piccolo, so its types are checked too) holds
    exactly the projection of each live record of its collection in sync_record; returns the
    number of rows."""
    server = await read_server(url)
    expected = {
        r.id: dict(
            zip(projection.columns, projection.values(r.id, r.fields, r.revision), strict=True)
        )
        for (collection, _), r in server.records.items()
        if collection == projection.collection and not r.deleted
    }
    db.configure(db.engine_from_url(url))
    actual = {row["id"]: row for row in await projection.table.select()}
    missing, extra = sorted(set(expected) - set(actual)), sorted(set(actual) - set(expected))
    assert not missing and not extra, f"missing rows {missing[:5]}, rows of no record {extra[:5]}"
    wrong = [(actual[k], expected[k]) for k in sorted(expected) if actual[k] != expected[k]]
    assert not wrong, f"{len(wrong)} rows differ from their record, e.g. {wrong[0]}"
    return len(expected)


async def make_site(code: str) -> int:
    rows = await Site.insert(Site(name=code, code=code, created_at=now())).returning(Site.id)
    return int(rows[0]["id"])


# ---- a real `fieldkeep serve` -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    """`python -m server.cli serve` in a subprocess on a free port."""

    database_url: str
    data_dir: Path
    workers: int = 1
    port: int = field(default_factory=free_port)
    session_key: str = "stress-test-session-key-0123456789abcdef"
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            FIELDKEEP_DATA_DIR=str(self.data_dir),
            FIELDKEEP_DATABASE_URL=self.database_url,
            FIELDKEEP_SESSION_KEY=self.session_key,
            FIELDKEEP_LOG_LEVEL="warning",
            FIELDKEEP_PWA_DIR=str(self.data_dir / "no-pwa"),
        )
        return env

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log = self.data_dir / f"serve-{self.port}-{time.monotonic_ns()}.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "server.cli",
                    "serve",
                    "--port",
                    str(self.port),
                    "--workers",
                    str(self.workers),
                ],
                env=self.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                # Its own process group: with --workers N, killing it kills the workers too.
                start_new_session=True,
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"fieldkeep serve exited early:\n{self.log.read_text()}")
            try:
                if httpx.get(self.url + "/api/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"fieldkeep serve did not answer:\n{self.log.read_text()}")

    def kill(self) -> None:
        """SIGKILL to the server and its workers: no shutdown, no flushing, like a crash."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def http_sign_in(base_url: str, username: str, password: str) -> httpx.Client:
    """A real HTTP client signed in like the PWA: CSRF cookie echoed in X-CSRF-Token."""
    client = httpx.Client(base_url=base_url, timeout=120)
    r = client.get("/api/auth/csrf")
    assert r.status_code == 200, r.text
    client.headers["X-CSRF-Token"] = client.cookies["fieldkeep_csrf"]
    r = client.post("/api/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    # The sign-in set the session's own CSRF token.
    client.headers["X-CSRF-Token"] = client.cookies["fieldkeep_csrf"]
    return client


class HttpDevice:
    """A phone over real HTTP (httpx, blocking): its device id, clock, seq and outbox."""

    def __init__(self, client: httpx.Client, user_id: int, rng: Random, skew_ms: int = 0) -> None:
        self.client = client
        self.user_id = user_id
        self.rng = rng
        self.id = uuid_from(rng)
        self.clock = DeviceClock(self.id, skew_ms)
        self.seq = 0
        self.outbox: list[Sent] = []
        self.made: list[Sent] = []
        self.received: dict[str, list[dict[str, Any]]] = defaultdict(list)

    def make(self, name: str, args: dict[str, Any]) -> Sent:
        self.seq += 1
        mutation, made_ms = make_mutation(self.id, self.seq, name, args, self.clock, self.rng)
        sent = Sent(self.id, self.user_id, mutation, made_ms)
        self.outbox.append(sent)
        self.made.append(sent)
        return sent

    def send(self, batch: list[Sent], client: httpx.Client | None = None) -> dict[str, Any]:
        """POST the batch; raises httpx.TransportError when the server is gone."""
        body = {"device_id": self.id, "mutations": [s.mutation for s in batch]}
        answer = (client or self.client).post("/api/sync/push", json=body)
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        assert [r["id"] for r in result["results"]] == [s.id for s in batch]
        return result

    def take(self, batch: list[Sent], answer: dict[str, Any]) -> None:
        """Keep what came back; drop from the outbox what reached a final status."""
        for s, r in zip(batch, answer["results"], strict=True):
            self.received[s.id].append(r)
            if r["status"] == "deferred":
                assert s.seq > answer["applied_through"], r
            elif s in self.outbox:
                assert s.seq <= answer["applied_through"], r
                self.outbox.remove(s)
