"""The parking domain's shapes at the HTTP edge: master data reads and writes, and the quote."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from server.parking.tariff import TariffRules

VehicleClass = Literal["small", "large"]
ExemptionCode = Literal["police", "fire", "ambulance", "official", "visitor", "other"]
Role = Literal["patrol", "environment", "cashier", "supervisor", "manager", "admin"]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Code = Annotated[str, msgspec.Meta(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]
Aware = Annotated[datetime, msgspec.Meta(tz=True)]
DenominationFen = Annotated[int, msgspec.Meta(gt=0, le=10_000_000)]


class GateRead(msgspec.Struct):
    id: int
    site_id: int
    name: str
    code: str
    active: bool


class GateCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    code: Code
    active: bool = True


class GateUpdate(msgspec.Struct, forbid_unknown_fields=True):
    name: Name | None = None
    code: Code | None = None
    active: bool | None = None


class TariffRead(msgspec.Struct):
    id: int
    site_id: int
    vehicle_class: str
    version: int
    effective_from: datetime
    rules: TariffRules
    created_at: datetime
    created_by: int | None


class TariffCreate(msgspec.Struct, forbid_unknown_fields=True):
    """The next version of a class's tariff, in force from `effective_from` (with its offset)."""

    vehicle_class: VehicleClass
    effective_from: Aware
    rules: TariffRules


class ExemptionReasonRead(msgspec.Struct):
    id: int
    site_id: int
    code: str
    name_zh: str
    name_en: str
    approver_role: str
    active: bool


class ExemptionReasonCreate(msgspec.Struct, forbid_unknown_fields=True):
    code: ExemptionCode
    name_zh: Name
    name_en: Name
    approver_role: Role
    active: bool = True


class ExemptionReasonUpdate(msgspec.Struct, forbid_unknown_fields=True):
    name_zh: Name | None = None
    name_en: Name | None = None
    approver_role: Role | None = None
    active: bool | None = None


class DenominationItem(msgspec.Struct, forbid_unknown_fields=True):
    """A note or coin, by value in fen: {"kind": "note", "fen": 10000} is 100 yuan."""

    kind: Literal["note", "coin"]
    fen: DenominationFen


class QuoteLine(msgspec.Struct):
    text: str
    fen: int


class QuoteRead(msgspec.Struct):
    fee_fen: int
    lines: list[QuoteLine]
    tariff_id: int
    tariff_version: int


# ---- the shift intents' arguments (parking_shifts, parking_transactions, parking_events) -----

# A count by denomination: {"<denomination fen>": number of notes or coins}.
Count = Annotated[int, msgspec.Meta(ge=0, le=100_000)]
Counts = Annotated[
    dict[Annotated[str, msgspec.Meta(pattern=r"^[1-9]\d{0,7}$")], Count],
    msgspec.Meta(max_length=32),
]
Cards = Annotated[int, msgspec.Meta(ge=0, le=100_000)]
Ref = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
UserId = Annotated[int, msgspec.Meta(ge=1)]
GateId = Annotated[int, msgspec.Meta(ge=1, le=999_999_999)]
# A receipt number: the device's prefix and its six-digit sequence, e.g. A07-000123.
ReceiptNo = Annotated[str, msgspec.Meta(pattern=r"^[A-Z0-9]{1,8}-\d{6}$")]
Plate = Annotated[str, msgspec.Meta(min_length=1, max_length=16)]
Reason = Annotated[str, msgspec.Meta(max_length=500, pattern=r"\S")]
Note = Annotated[str, msgspec.Meta(max_length=2000)]
BagNo = Annotated[str, msgspec.Meta(min_length=1, max_length=32, pattern=r"\S")]
PhotoHash = Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{64}$")]
Method = Literal["cash", "wechat", "alipay", "card"]
EventKind = Literal["barrier_fault", "lost_card", "dispute", "drive_off", "system_fault"]


class ShiftOpenArgs(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    id: Ref
    site_id: UserId
    gate_id: GateId
    opened_at: Aware
    float_counts: Counts
    cards_received: Cards


class ShiftCloseArgs(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    id: Ref
    closed_at: Aware
    count_counts: Counts
    cards_on_hand: Cards
    bag_no: BagNo
    next_cashier_id: UserId | None = None


class HandoverArgs(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    id: Ref
    confirmed_at: Aware
    float_counts: Counts
    cards_received: Cards


class TransactionArgs(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """`parking_transactions.record`. `amount_fen` is taken as any number so that a fractional
    or negative amount is refused `amount_invalid` (its own text), not `invalid_args`."""

    id: Ref
    shift_id: Ref
    receipt_no: ReceiptNo
    kind: Literal["fee", "exemption"]
    plate: Plate
    vehicle_class: VehicleClass
    entry_at: Aware
    exit_at: Aware
    lost_ticket: bool = False
    fee_fen: Annotated[int, msgspec.Meta(ge=0)]
    amount_fen: int | float
    method: Method | None = None
    variance_reason: Reason | None = None
    exemption_reason: ExemptionCode | None = None
    approver_id: UserId | None = None


class VoidArgs(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    id: Ref
    shift_id: Ref
    receipt_no: ReceiptNo
    voids: Ref
    reason: Reason


class EventArgs(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    id: Ref
    shift_id: Ref
    kind: EventKind
    at: Aware
    note: Note = ""
    photos: Annotated[list[PhotoHash], msgspec.Meta(max_length=20)] = msgspec.field(
        default_factory=list
    )


# ---- the receipt prefix and the app's offline setup ------------------------------------------


class ReceiptPrefixCreate(msgspec.Struct, forbid_unknown_fields=True):
    device_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[\w.:-]+$")]


class ReceiptPrefixRead(msgspec.Struct):
    prefix: str


class CashierRead(msgspec.Struct):
    id: int
    name: str


class ParkingSetupRead(msgspec.Struct):
    """What the app caches to take fees offline: one answer per site."""

    gates: list[GateRead]
    tariffs: list[TariffRead]
    exemption_reasons: list[ExemptionReasonRead]
    denominations: list[DenominationItem]
    cashiers: list[CashierRead]
