"""What the permits API and service take and give (msgspec Structs)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec

from server.permits.signing import Kind, Reason

Text = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
HOURS = r"^\d{2}:\d{2}-\d{2}:\d{2}(,\d{2}:\d{2}-\d{2}:\d{2})*$"


class MonthlyParking(msgspec.Struct, tag="monthly_parking", tag_field="kind", frozen=True):
    """月租车: the paid period is the permit's validity."""

    plate: Annotated[str, msgspec.Meta(min_length=7, max_length=16)]
    space: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    vehicle_class: Literal["small", "large", "new_energy"]
    fee_fen: Annotated[int, msgspec.Meta(ge=0, le=100_000_000)]


class Decoration(msgspec.Struct, tag="decoration", tag_field="kind", frozen=True):
    """装修许可证: who works in the unit, and in which hours of the day."""

    unit_id: int
    contractor: Text
    workers: Annotated[list[Text], msgspec.Meta(max_length=50)]
    allowed_hours: Annotated[str, msgspec.Meta(pattern=HOURS, max_length=100)] = (
        "08:00-12:00,14:00-18:00"
    )


class ReleasePass(msgspec.Struct, tag="release_pass", tag_field="kind", frozen=True):
    """物品放行条: the items a unit may take out, on one day, once."""

    unit_id: int
    items: Annotated[list[Text], msgspec.Meta(min_length=1, max_length=50)]


class AccessCard(msgspec.Struct, tag="access_card", tag_field="kind", frozen=True):
    """门禁卡."""

    unit_id: int
    holder: Text
    card_number: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]


Details = MonthlyParking | Decoration | ReleasePass | AccessCard


class PermitCreate(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """A permit to issue: valid from the start of `valid_from` to the end of `valid_to`, both
    days in the site's time zone."""

    site_id: int
    valid_from: date
    valid_to: date
    details: Details


class PermitRead(msgspec.Struct):
    id: str
    site_id: int
    kind: Kind
    subject: str  # the plate, or the unit's label
    serial: int
    status: Literal["issued", "revoked"]
    not_before: int  # epoch seconds
    expires: int
    qr: str
    details: dict[str, Any]
    revoked_reason: str = ""
    used_at: int | None = None


class RemindersRead(msgspec.Struct):
    """Monthly permits ending within the site's reminder days, soonest first."""

    days: int
    permits: list[PermitRead]


class VerifyRequest(msgspec.Struct, forbid_unknown_fields=True):
    qr: Annotated[str, msgspec.Meta(max_length=4096)]


class ClaimsRead(msgspec.Struct):
    """What the QR states (shown also when it is not genuine, so the guard sees the claim)."""

    id: str
    kind: Kind
    site_id: int
    subject: str
    not_before: int
    expires: int
    serial: int
    kid: str


class VerifyRead(msgspec.Struct):
    valid: bool
    reason: Reason
    permit: ClaimsRead | None


class PublicKeyRead(msgspec.Struct):
    kid: str
    alg: str
    jwk: dict[str, str]
    site_id: int


class KeySetRead(msgspec.Struct):
    keys: list[PublicKeyRead]


# ---- the permits intents' arguments --------------------------------------------------------

# A permit's id is a uuid: its 16 bytes are in the QR.
PermitId = Annotated[
    str,
    msgspec.Meta(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"),
]
Reason_ = Annotated[str, msgspec.Meta(min_length=1, max_length=500, pattern=r"\S")]


class PermitIssueArgs(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """`permits.issue`: the new permit's id (made by the phone), its site, days and details."""

    id: PermitId
    site_id: Annotated[int, msgspec.Meta(ge=1)]
    valid_from: date
    valid_to: date
    details: Details


class PermitRenewArgs(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """`permits.renew`: a new permit (`id`) for the same holder and details as `permit_id`, for
    a new period; from the day after the old one ends unless `valid_from` says otherwise. A
    monthly permit may be renewed at a new fee."""

    id: PermitId
    permit_id: PermitId
    valid_to: date
    valid_from: date | None = None
    fee_fen: Annotated[int, msgspec.Meta(ge=0, le=100_000_000)] | None = None


class PermitRevokeArgs(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """`permits.revoke` (注销): why."""

    permit_id: PermitId
    reason: Reason_


class PermitUseArgs(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """`permits.use`: the gate took a release pass, at `scanned_at` on the phone (offline it
    may reach the server later)."""

    permit_id: PermitId
    scanned_at: Annotated[datetime, msgspec.Meta(tz=True)] | None = None
