"""The demo users' phones: the demo's records (keys, patrols, findings) are pushed through the real
sync engine as mutations of a demo device per user, at moments in the past chosen relative to now
in the site's zone, so records, projections and events are as if people had made them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from server.access import SyncAccess
from server.auth.service import roles_and_sites_of
from server.auth.tables import AppUser
from server.settings import Settings
from server.sites.service import SiteClock, site_clock, unit_labels
from server.sites.tables import Site, Unit
from server.syncing.collections import handlers
from server.syncing.engine import open_store
from sync import Actor, Mutation, MutationResult, SyncEngine, audiences_of, format_stamp

# Demo device and mutation ids derive from it, so the same seed makes the same ids.
DEMO_NAMESPACE = uuid.UUID("3c1e7a52-9b0d-4f6e-8a21-5d4c2b9e7f10")


class DemoRefused(Exception):
    """A demo mutation the engine did not apply: the demo no longer fits the rules."""


@dataclass
class _Moment:
    """The engine's clock during the seed: the moment the current demo mutation happens."""

    ms: int = 0

    def now_ms(self) -> int:
        return self.ms


@dataclass(frozen=True)
class DemoSite:
    """The site the demo records are made at: its id, vacant units and clock, and "now"."""

    site_id: int
    vacant_units: tuple[int, ...]
    unit_label: Mapping[int, str]
    clock: SiteClock
    now: datetime

    @property
    def today(self) -> date:
        return self.now.date()

    def day(self, days_ago: int, hour: int, minute: int = 0) -> datetime:
        """hh:mm at the site `days_ago` calendar days before today (at least one: in the past)."""
        if days_ago < 1:
            raise ValueError("a moment of today may lie ahead; use hours_ago")
        return datetime.combine(
            self.today - timedelta(days=days_ago), time(hour, minute), self.clock.zone
        )

    def hours_ago(self, hours: float) -> datetime:
        return self.now - timedelta(hours=hours)


async def demo_site(code: str) -> DemoSite:
    """The demo site of this code, its vacant units in order, and its clock's now."""
    row = await Site.select(Site.id).where(Site.code == code).first()
    if row is None:
        raise ValueError(f"no demo site {code}")
    site_id = int(row["id"])
    rows = await (
        Unit.select(Unit.id)
        .where((Unit.building.site == site_id) & (Unit.vacant == True))  # noqa: E712
        .order_by(Unit.id)
    )
    vacant = tuple(int(r["id"]) for r in rows)
    clock = await site_clock(site_id)
    now = clock.now().replace(second=0, microsecond=0)  # times people read: whole minutes
    return DemoSite(site_id, vacant, await unit_labels(vacant), clock, now)


@dataclass
class DemoDevices:
    """One phone per demo user and feature (`feature`), pushing one mutation at a time at the
    moment given. A phone's moments never go back (the engine would stamp its later mutations
    after its earlier ones), and a record's steps are pushed in time order (its fields merge by
    their stamps): so each feature's demo goes in time order."""

    engine: SyncEngine
    moment: _Moment
    feature: str = ""
    user_ids: dict[str, int] = field(default_factory=dict)
    _actors: dict[str, Actor] = field(default_factory=dict)
    _seq: dict[str, int] = field(default_factory=dict)
    _last: dict[str, int] = field(default_factory=dict)

    def phones(self, feature: str) -> DemoDevices:
        """The demo users' phones for another feature's demo (their own seq and moments)."""
        return replace(self, feature=feature, _seq={}, _last={})

    async def user_id(self, username: str) -> int:
        if username not in self.user_ids:
            row = await AppUser.select(AppUser.id).where(AppUser.username == username).first()
            if row is None:
                raise ValueError(f"no demo user {username}")
            self.user_ids[username] = int(row["id"])
        return self.user_ids[username]

    async def _actor(self, username: str) -> Actor:
        if username not in self._actors:
            user_id = await self.user_id(username)
            roles, sites = await roles_and_sites_of(user_id)
            site_ids = frozenset(str(s) for s in sites)
            self._actors[username] = Actor(
                user_id=str(user_id),
                roles=roles,
                site_ids=site_ids,
                audiences=audiences_of(str(user_id), roles, site_ids),
            )
        return self._actors[username]

    async def push(
        self, username: str, at: datetime, name: str, args: Mapping[str, Any]
    ) -> MutationResult:
        """`username`'s phone pushes the mutation `name` made at `at`; raises DemoRefused unless
        the engine applies it."""
        ms = int(at.timestamp() * 1000)
        if ms < self._last.get(username, 0):
            raise ValueError(f"{username}'s {self.feature} phone would go back in time: {name}")
        self._last[username] = self.moment.ms = ms
        device_id = str(uuid.uuid5(DEMO_NAMESPACE, f"device/{username}/{self.feature}"))
        seq = self._seq[username] = self._seq.get(username, 0) + 1
        mutation = Mutation(
            id=str(uuid.uuid5(DEMO_NAMESPACE, f"mutation/{device_id}/{seq}")),
            seq=seq,
            name=name,
            args=dict(args),
            hlc=format_stamp(ms, 0, device_id),
        )
        response = await self.engine.push(await self._actor(username), device_id, [mutation])
        result = response.results[0]
        if result.status != "applied":
            raise DemoRefused(f"{username} {name}: {result.status} {result.error}")
        return result


def record_id(*parts: object) -> str:
    """A demo record's id (a uuid, as a phone makes), the same on every seed."""
    return str(uuid.uuid5(DEMO_NAMESPACE, "/".join(str(p) for p in parts)))


@asynccontextmanager
async def demo_devices(settings: Settings) -> AsyncIterator[DemoDevices]:
    """The demo users' phones, on an engine whose clock is the demo mutation's moment."""
    moment = _Moment()
    collections = handlers(settings.data_dir)
    async with open_store(settings, collections) as store:
        engine = SyncEngine(
            store,
            collections,
            cursor_secret=settings.secrets.derive("sync-cursor"),
            now_ms=moment.now_ms,
            access=SyncAccess(),
        )
        yield DemoDevices(engine, moment)
