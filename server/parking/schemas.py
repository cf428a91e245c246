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
