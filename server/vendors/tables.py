"""Vendors (外委单位), their contracts and the sites these cover, the zones of a site, and the
inspection templates per service with their immutable versions and items."""

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    SmallInt,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from server.auth.tables import AppUser
from server.sites.tables import Site


class Vendor(Table, tablename="vendor"):
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    name = Varchar(length=100, unique=True)  # the company's registered name
    service = Varchar(length=16, index=True)  # cleaning 保洁 | greening 绿化 | pest 消杀
    contact = Varchar(length=100, default="")  # person and phone
    active = Boolean(default=True)
    created_at = Timestamptz()


class Contract(Table, tablename="vendor_contract"):
    """What a vendor is paid per month for a service on some sites, and how the monthly
    evaluation deducts from it (`rule`: a settlement.SettlementRule as JSON)."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    vendor = ForeignKey(references=Vendor, index=True)
    service = Varchar(length=16)  # the vendor's, when the contract was made
    monthly_fee_fen = BigInt()
    starts_on = Date()
    ends_on = Date()  # inclusive
    rule = JSON()
    created_at = Timestamptz()


class ContractSite(Table, tablename="vendor_contract_site"):
    """A site a contract covers."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    contract = ForeignKey(references=Contract, index=True, on_delete=OnDelete.cascade)
    site = ForeignKey(references=Site, index=True)


class Zone(Table, tablename="vendor_zone"):
    """A place on a site that inspections are made in (3栋周边, 地下车库 A 区, …); its kind
    matches template items to it."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    site = ForeignKey(references=Site, index=True)
    kind = Varchar(length=32)
    name = Varchar(length=64)
    active = Boolean(default=True)
    created_at = Timestamptz()


class InspectionTemplate(Table, tablename="inspection_template"):
    """The checklist of one service. `current_version` is the version new inspections use;
    making a version compares and sets it, so two editors at once cannot both win."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    service = Varchar(length=16, unique=True)
    current_version = Integer(default=0)
    created_at = Timestamptz()


class TemplateVersion(Table, tablename="inspection_template_version"):
    """An immutable version of a template. `retired_at`: when a newer version replaced it (an
    inspection made with it keeps it; new inspections may not use it)."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    template = ForeignKey(references=InspectionTemplate, index=True)
    version = Integer()
    name = Varchar(length=100)
    # A critical failure caps the inspection's total at this score.
    critical_cap_score = SmallInt()
    created_at = Timestamptz()
    created_by = ForeignKey(
        references=AppUser, null=True, default=None, on_delete=OnDelete.set_null
    )
    retired_at = Timestamptz(null=True, default=None)


class TemplateItem(Table, tablename="inspection_template_item"):
    """One scored item of a version. `code` stays the same across versions of one item."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    version = ForeignKey(references=TemplateVersion, index=True, on_delete=OnDelete.cascade)
    position = SmallInt()
    code = Varchar(length=32)
    label_zh = Varchar(length=200)
    label_en = Varchar(length=200)
    max_points = SmallInt()
    zone_kind = Varchar(length=32, default="")  # "" = any zone
    critical = Boolean(default=False)
    photo_required = Boolean(default=False)  # on a deduction
    rectification_hours = SmallInt(default=24)
