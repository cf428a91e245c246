"""Sites, buildings, units and site memberships."""

from piccolo.columns import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    Serial,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from server.auth.tables import AppUser

# A site's zone when none is set (IANA name; China has one zone and no summer time).
DEFAULT_TIMEZONE = "Asia/Shanghai"


class Site(Table, tablename="site"):
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    name = Varchar(length=100, unique=True)
    code = Varchar(length=32, unique=True)
    address = Varchar(length=255, default="")
    timezone = Varchar(length=64, default=DEFAULT_TIMEZONE)
    # Who gets a finding a patrol raised, and in how many days it is due (per site).
    default_assignee_id = Integer(null=True, default=None)
    finding_due_days = Integer(default=3)
    # A key out longer than this is overdue.
    key_overdue_hours = Integer(default=8)
    # Monthly parking permits are listed for renewal (and pushed) this many days before they end.
    permit_reminder_days = Integer(default=7)
    created_at = Timestamptz()


class Building(Table, tablename="building"):
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    site = ForeignKey(references=Site, index=True)
    name = Varchar(length=64)  # 楼栋, e.g. "3栋"
    created_at = Timestamptz()


class Unit(Table, tablename="unit"):
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    building = ForeignKey(references=Building, index=True)
    entrance = Varchar(length=16, default="")  # 单元
    number = Varchar(length=32)  # 房号
    area_m2 = Numeric(digits=(8, 2), null=True, default=None)  # 面积
    vacant = Boolean(default=False, index=True)  # 空置
    vacant_since = Date(null=True, default=None)
    patrol_interval_days = Integer(default=7)
    created_at = Timestamptz()


class SiteMember(Table, tablename="site_member"):
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    site = ForeignKey(references=Site, index=True)
    user = ForeignKey(references=AppUser, index=True)
