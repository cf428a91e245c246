"""Parking master data (gates, versioned tariffs, exemption reasons, the denominations counted),
the receipt prefixes issued to devices, and the typed projections of the shift collections
(`parking_shift`, `parking_transaction`; server/parking/projections.py fills them) that the day
report counts with SQL. Money is integer fen. Unique indexes over several columns (a gate code
per site, a tariff version per site and class, a reason code per site, a denomination per site)
are made by a raw migration: Piccolo adds its composite constraints with ALTER TABLE, which
SQLite cannot do."""

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from server.auth.tables import AppUser
from server.sites.tables import Site
from server.syncing.projection import ProjectedRecord

VEHICLE_CLASSES = ("small", "large")
EXEMPTION_CODES = ("police", "fire", "ambulance", "official", "visitor", "other")
DENOMINATION_KINDS = ("note", "coin")


class Gate(Table, tablename="parking_gate"):
    """A gate (出入口) of a site's car park, where a cashier works a shift."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    site = ForeignKey(references=Site, index=True)
    name = Varchar(length=64)  # 东门
    code = Varchar(length=32)  # unique per site
    active = Boolean(default=True)
    created_at = Timestamptz()


class Tariff(Table, tablename="parking_tariff"):
    """One version of a site's tariff for a vehicle class. A change inserts the next version;
    a row is never updated, so a fee once quoted can always be quoted again."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    site = ForeignKey(references=Site, index=True)
    vehicle_class = Varchar(length=8)  # small | large
    version = Integer()  # 1, 2, 3 … per site and class
    effective_from = Timestamptz()
    rules = JSON()  # server.parking.tariff.TariffRules
    created_at = Timestamptz()
    created_by = ForeignKey(references=AppUser, null=True, default=None)  # None: seeded


class ExemptionReason(Table, tablename="parking_exemption_reason"):
    """Why a vehicle passes free (警车, 消防, …), and which role approves it."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    site = ForeignKey(references=Site, index=True)
    code = Varchar(length=16)  # police | fire | ambulance | official | visitor | other
    name_zh = Varchar(length=32)
    name_en = Varchar(length=64)
    approver_role = Varchar(length=32)
    active = Boolean(default=True)


class Denomination(Table, tablename="parking_denomination"):
    """A note or coin the site counts in a cash count, by its value in fen."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    site = ForeignKey(references=Site, index=True)
    kind = Varchar(length=8)  # note | coin
    fen = Integer()


class ReceiptPrefix(Table, tablename="parking_receipt_prefix"):
    """The receipt prefix issued to one app install (device id): a row is never deleted, so a
    prefix is never issued twice, and a reinstall (a new device id) gets a new one."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    device_id = Varchar(length=64, unique=True)
    prefix = Varchar(length=8, unique=True, null=True, default=None)  # set right after insert
    issued_to = ForeignKey(references=AppUser, null=True, default=None)
    created_at = Timestamptz()


class ParkingShift(ProjectedRecord, Table, tablename="parking_shift"):
    """A cashier's shift (the `parking_shifts` record), typed for the day report."""

    site_id = Integer(index=True)
    gate_id = Integer()
    cashier_id = Integer()
    status = Varchar(length=16)
    opened_at = Timestamptz(index=True)
    closed_at = Timestamptz(null=True, default=None)
    float_fen = BigInt(default=0)
    cards_received = Integer(default=0)
    counted_fen = BigInt(null=True, default=None)
    cards_on_hand = Integer(null=True, default=None)
    expected_cash_fen = BigInt(null=True, default=None)
    variance_fen = BigInt(null=True, default=None)
    slip_no = Varchar(length=32, null=True, default=None)
    bag_no = Varchar(length=32, null=True, default=None)
    next_cashier_id = Integer(null=True, default=None)
    handover_by = Integer(null=True, default=None)


class ParkingTransaction(ProjectedRecord, Table, tablename="parking_transaction"):
    """One ledger entry of a shift: a fee, an exemption, or a void of one of them."""

    site_id = Integer()
    gate_id = Integer()
    shift_id = Varchar(length=64, index=True)
    cashier_id = Integer()
    receipt_no = Varchar(length=16)
    kind = Varchar(length=16)  # fee | exemption | void
    plate = Varchar(length=16, default="")
    vehicle_class = Varchar(length=8, default="")
    entry_at = Timestamptz(null=True, default=None)
    exit_at = Timestamptz(null=True, default=None)
    lost_ticket = Boolean(default=False)
    fee_fen = BigInt(default=0)
    amount_fen = BigInt(default=0)
    method = Varchar(length=8, null=True, default=None)
    variance_reason = Text(null=True, default=None)
    exemption_reason = Varchar(length=16, null=True, default=None)
    approver_id = Integer(null=True, default=None)
    voids = Varchar(length=64, null=True, default=None)
    reason = Text(null=True, default=None)
    recorded_at = Timestamptz(null=True, default=None)
