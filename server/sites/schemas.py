"""Request and response bodies of the sites API (msgspec Structs)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import msgspec

from server.sites.tables import DEFAULT_TIMEZONE

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


Code = Annotated[str, msgspec.Meta(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]


Short = Annotated[str, msgspec.Meta(min_length=1, max_length=32)]


Interval = Annotated[int, msgspec.Meta(ge=1, le=365)]


Area = Annotated[float, msgspec.Meta(gt=0, lt=100_000)]


class SiteCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    code: Code
    address: Annotated[str, msgspec.Meta(max_length=255)] = ""
    timezone: Annotated[str, msgspec.Meta(max_length=64)] = DEFAULT_TIMEZONE


class SiteUpdate(msgspec.Struct, forbid_unknown_fields=True):
    name: Name | None = None
    address: Annotated[str, msgspec.Meta(max_length=255)] | None = None
    timezone: Annotated[str, msgspec.Meta(max_length=64)] | None = None


class SiteRead(msgspec.Struct):
    id: int
    name: str
    code: str
    address: str
    timezone: str


class MemberRead(msgspec.Struct):
    id: int
    username: str
    display_name: str
    roles: list[str]


class UnitImportRead(msgspec.Struct):
    encoding: str
    rows: int
    new_buildings: list[str]
    errors: list[dict[str, Any]]
    imported: int


class BuildingCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Short


class BuildingUpdate(msgspec.Struct, forbid_unknown_fields=True):
    name: Short


class BuildingRead(msgspec.Struct):
    id: int
    site_id: int
    name: str


class UnitCreate(msgspec.Struct, forbid_unknown_fields=True):
    number: Short
    entrance: Annotated[str, msgspec.Meta(max_length=16)] = ""
    area_m2: Area | None = None
    vacant: bool = False
    vacant_since: date | None = None
    patrol_interval_days: Interval = 7


class UnitUpdate(msgspec.Struct, forbid_unknown_fields=True):
    number: Short | None = None
    entrance: Annotated[str, msgspec.Meta(max_length=16)] | None = None
    area_m2: Area | None = None
    vacant: bool | None = None
    vacant_since: date | None = None
    patrol_interval_days: Interval | None = None


class UnitRead(msgspec.Struct):
    id: int
    building_id: int
    building_name: str
    entrance: str
    number: str
    area_m2: float | None
    vacant: bool
    vacant_since: date | None
    patrol_interval_days: int
