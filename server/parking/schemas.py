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


# ---- the day report ----------------------------------------------------------------------------


class ReportShift(msgspec.Struct):
    id: str
    cashier_id: int
    cashier: str
    status: str
    opened_at: str  # site-local "YYYY-MM-DD HH:MM"
    closed_at: str | None
    slip_no: str | None
    bag_no: str | None
    float_fen: int
    cash_fen: int  # the shift's cash takings (fees less voids)
    expected_cash_fen: int | None
    counted_fen: int | None
    variance_fen: int | None
    cards_received: int
    cards_on_hand: int | None
    handover_to: str | None


class MethodLine(msgspec.Struct):
    """The fees paid one way (not voided), with their receipts."""

    method: str
    count: int
    amount_fen: int
    receipts: list[str]


class ExemptionLine(msgspec.Struct):
    reason: str
    reason_name: str
    count: int
    waived_fen: int  # the fees the tariff gave, let through free
    receipts: list[str]


class VarianceLine(msgspec.Struct):
    """A fee collected at another amount than the tariff's, and why."""

    receipt_no: str
    plate: str
    fee_fen: int
    amount_fen: int
    difference_fen: int
    reason: str


class VoidLine(msgspec.Struct):
    receipt_no: str
    voids_receipt_no: str
    kind: str
    method: str | None
    amount_fen: int
    reason: str


class GateReport(msgspec.Struct):
    gate_id: int
    gate_name: str
    transactions: int
    methods: list[MethodLine]
    total_fen: int  # the sum of the method lines
    exemptions: list[ExemptionLine]
    variances: list[VarianceLine]
    voids: list[VoidLine]
    shifts: list[ReportShift]
    cash_expected_fen: int  # closed shifts
    cash_counted_fen: int
    cash_variance_fen: int
    cards_received: int
    cards_on_hand: int


class DayReport(msgspec.Struct):
    """The shifts opened at the site on `date` (its own calendar day), per gate. Every line
    names its receipts; method lines add up to each gate's total and the gates' totals to the
    site's, to the fen."""

    site_id: int
    site_name: str
    date: str
    gates: list[GateReport]
    methods: list[MethodLine]
    total_fen: int
    exemption_count: int
    waived_fen: int
    cash_expected_fen: int
    cash_counted_fen: int
    cash_variance_fen: int
