"""Parking master data: gates, versioned tariffs, exemption reasons and the denominations counted.
Money is integer fen. Unique indexes over several columns (a gate code per site, a tariff
version per site and class, a reason code per site, a denomination per site) are made by a raw
migration: Piccolo adds its composite constraints with ALTER TABLE, which SQLite cannot do."""

from piccolo.columns import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    Serial,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from server.auth.tables import AppUser
from server.sites.tables import Site

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
