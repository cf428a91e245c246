"""The shapes vendors' REST answers and accepts: services, zone kinds, and the `*Read` and
`*Create` Structs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from server.vendors.settlement import DEMO_RULE, SettlementRule

Service = Literal["cleaning", "greening", "pest"]
ZoneKind = Literal[
    "building_surrounds", "lobby", "corridor", "garage", "green_belt", "refuse_station", "roads"
]
ItemZone = ZoneKind | Literal[""]  # "" = any zone

SERVICE_NAMES: dict[str, tuple[str, str]] = {
    "cleaning": ("保洁", "Cleaning"),
    "greening": ("绿化", "Greening"),
    "pest": ("消杀", "Pest control"),
}
ZONE_KIND_NAMES: dict[str, tuple[str, str]] = {
    "building_surrounds": ("楼栋周边", "Around the buildings"),
    "lobby": ("大堂", "Lobby"),
    "corridor": ("楼道及电梯", "Corridors and lifts"),
    "garage": ("地下车库", "Underground garage"),
    "green_belt": ("绿化带", "Green belt"),
    "refuse_station": ("垃圾站", "Refuse station"),
    "roads": ("道路及广场", "Roads and squares"),
}

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Contact = Annotated[str, msgspec.Meta(max_length=100)]
Label = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
ItemCode = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9_]{1,32}$")]
Points = Annotated[int, msgspec.Meta(ge=1, le=100)]
Score = Annotated[int, msgspec.Meta(ge=0, le=100)]
Hours = Annotated[int, msgspec.Meta(ge=1, le=720)]
FeeFen = Annotated[int, msgspec.Meta(ge=1, le=10**11)]
Id = Annotated[int, msgspec.Meta(ge=1)]


class VendorCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    service: Service
    contact: Contact = ""
    active: bool = True


class VendorUpdate(msgspec.Struct, forbid_unknown_fields=True):
    name: Name | None = None
    contact: Contact | None = None
    active: bool | None = None


class ContractSummary(msgspec.Struct):
    id: int
    monthly_fee_fen: int
    starts_on: date
    ends_on: date
    site_ids: list[int]


class VendorRead(msgspec.Struct):
    id: int
    name: str
    service: str
    contact: str
    active: bool
    # The contract in force today on the site asked about (else the latest one there); None
    # when the vendor has none there.
    contract: ContractSummary | None


class ContractCreate(msgspec.Struct, forbid_unknown_fields=True):
    site_ids: Annotated[list[Id], msgspec.Meta(min_length=1, max_length=50)]
    monthly_fee_fen: FeeFen
    starts_on: date
    ends_on: date  # inclusive
    rule: SettlementRule = msgspec.field(default_factory=lambda: DEMO_RULE)


class ContractRead(msgspec.Struct):
    id: int
    vendor_id: int
    service: str
    site_ids: list[int]
    monthly_fee_fen: int
    starts_on: date
    ends_on: date
    rule: SettlementRule


class ZoneCreate(msgspec.Struct, forbid_unknown_fields=True):
    site_id: Id
    kind: ZoneKind
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class ZoneRead(msgspec.Struct):
    id: int
    site_id: int
    kind: str
    name: str
    active: bool


class TemplateItemCreate(msgspec.Struct, forbid_unknown_fields=True):
    code: ItemCode  # keep an item's code when editing it, so months compare item by item
    label_zh: Label
    label_en: Label
    max_points: Points
    zone_kind: ItemZone = ""
    critical: bool = False
    photo_required: bool = False  # on a deduction
    rectification_hours: Hours = 24


class TemplateVersionCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A new version of the service's template; it replaces the current one for new
    inspections. The items' max points add up to 100."""

    service: Service
    name: Name
    items: Annotated[list[TemplateItemCreate], msgspec.Meta(min_length=1, max_length=50)]
    critical_cap_score: Score = 60  # a critical failure caps the total at this
    # The version this edit started from; a newer one made meanwhile refuses the edit.
    based_on_version: int | None = None


class TemplateItemRead(msgspec.Struct):
    code: str
    label_zh: str
    label_en: str
    max_points: int
    zone_kind: str
    critical: bool
    photo_required: bool
    rectification_hours: int


class TemplateVersionRead(msgspec.Struct):
    id: int
    template_id: int
    service: str
    version: int
    name: str
    critical_cap_score: int
    created_at: datetime
    retired_at: datetime | None  # set: new inspections may not use this version
    items: list[TemplateItemRead]
