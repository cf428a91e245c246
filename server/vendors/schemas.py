"""The shapes vendors' REST answers and accepts: services, zone kinds, and the `*Read` and
`*Create` Structs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from server.syncing.handler_kit import PhotoHash, RecordRef, ShortText, Text, ZonedDateTime
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
    id: int  # what an inspection's items name (item_id)
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


# ---- the inspections intents' arguments ----------------------------------------------------

Deduction = Literal[0, 1, 2, 5]  # the phone's big targets: pass, or minus 1, 2 or 5
Mode = Literal["quick", "full"]  # quick: only the failed items; full: every item


class ItemScore(msgspec.Struct, forbid_unknown_fields=True):
    """One item of `inspections.submit`: the points it loses and why, with photos."""

    item_id: Id  # a TemplateItem of the inspection's version
    points_deducted: Deduction
    reason: ShortText = ""
    note: Text = ""
    photos: Annotated[list[PhotoHash], msgspec.Meta(max_length=20)] = msgspec.field(
        default_factory=list
    )


class Place(msgspec.Struct, forbid_unknown_fields=True):
    """Where the phone was (WGS 84) and how sure it was, in metres."""

    lat: Annotated[float, msgspec.Meta(ge=-90, le=90)]
    lng: Annotated[float, msgspec.Meta(ge=-180, le=180)]
    accuracy_m: Annotated[float, msgspec.Meta(ge=0, le=100_000)] | None = None


class InspectionSubmit(msgspec.Struct, forbid_unknown_fields=True):
    """`inspections.submit`: an inspection made (offline) on the phone, whole. Sent again with
    the same id after a rejection, it replaces the items."""

    id: RecordRef
    site_id: Id
    vendor_id: Id
    zone_id: Id
    template_version_id: Id  # the version the phone scored with, kept even when retired
    at: ZonedDateTime
    mode: Mode
    items: Annotated[list[ItemScore], msgspec.Meta(max_length=50)]
    place: Place | None = None


class InspectionVerify(msgspec.Struct, forbid_unknown_fields=True):
    """`inspections.verify`: a re-inspection found a deduction's rectification done; its
    after-photos stand beside the before-photos."""

    id: RecordRef  # the inspection
    item_id: Id
    at: ZonedDateTime
    photos: Annotated[list[PhotoHash], msgspec.Meta(min_length=1, max_length=20)]
    note: Text = ""


# ---- the monthly evaluation ----------------------------------------------------------------

Month = Annotated[str, msgspec.Meta(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]


class EvaluationLine(msgspec.Struct):
    text: str
    fen: int


class Rectifications(msgspec.Struct):
    on_time: int
    late: int
    open: int


class EvaluatedInspection(msgspec.Struct):
    """One approved inspection of the month, for the statement."""

    id: str
    site_id: int
    at: datetime
    zone: str
    inspector: str
    score: int
    critical_failures: int
    deductions: list[str]  # "楼栋周边地面无垃圾… −2：reason"
    photos: list[str]  # the deductions' photo hashes


class EvaluationRead(msgspec.Struct):
    vendor_id: int
    vendor_name: str
    service: str
    month: str
    contract_id: int
    site_ids: list[int]
    # The average, to two places (compared unrounded further); None without approved inspections.
    score: float | None
    inspections: int
    critical_failures: int
    late_rectifications: int
    rectifications: Rectifications
    monthly_fee_fen: int
    lines: list[EvaluationLine]
    deduction_fen: int
    payable_fen: int
    locked: bool
    signed_by: str | None
    signed_at: datetime | None
    waiting_review: int  # inspections of the month not yet reviewed (sign-off needs none)
    # Each approved inspection: in the statement (.pdf, .xlsx); empty in the JSON.
    items: list[EvaluatedInspection]
