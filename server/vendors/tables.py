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
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from server.auth.tables import AppUser
from server.sites.tables import Site
from server.syncing.projection import ProjectedRecord


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


# ---- typed tables of the sync collections (projections.py fills them) ---------------------


class Inspection(ProjectedRecord, Table, tablename="inspection"):
    """A live inspection (检查记录) at its latest revision: the monthly evaluation counts the
    approved ones."""

    site_id = Integer(index=True)
    vendor_id = Integer(index=True)
    zone_id = Integer(null=True, default=None)
    template_version_id = Integer()
    at = Timestamptz(null=True, default=None, index=True)  # when it was made, in UTC
    mode = Varchar(length=8)
    status = Varchar(length=16)
    score = SmallInt()  # 0–100, the critical cap applied
    deducted = SmallInt()  # points deducted before the cap
    critical_failures = SmallInt()
    # The deductions' rectifications (one per deduction): verified by the deadline, after it,
    # or not yet; kept here so the evaluation is one pass over this table.
    rect_on_time = SmallInt(default=0)
    rect_late = SmallInt(default=0)
    rect_open = SmallInt(default=0)
    author_id = Integer(null=True, default=None)
    reviewed_at = Timestamptz(null=True, default=None)


class InspectionItem(ProjectedRecord, Table, tablename="inspection_item"):
    """One scored item of an inspection, with the rectification its deduction asked for."""

    inspection_id = Varchar(length=64, index=True)
    site_id = Integer()
    vendor_id = Integer()
    item_id = Integer()
    code = Varchar(length=32)
    points_deducted = SmallInt()
    critical = Boolean(default=False)
    reason = Text(default="")  # the reason and note, for the statement
    photos = Text(default="")  # the deduction's photo hashes, space-separated
    finding_id = Varchar(length=64, null=True, default=None)
    due_at = Timestamptz(null=True, default=None)
    rectified_at = Timestamptz(null=True, default=None)


class EvaluationSignoff(Table, tablename="vendor_evaluation_signoff"):
    """A vendor's month signed off by a manager: locked, answered from `evaluation` (the JSON
    it was signed off as) from then on."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    vendor = ForeignKey(references=Vendor, index=True)
    month = Varchar(length=7)  # YYYY-MM
    evaluation = JSON()
    signed_by = ForeignKey(references=AppUser, null=True, default=None, on_delete=OnDelete.set_null)
    signed_at = Timestamptz()
