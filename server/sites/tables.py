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


class Site(Table, tablename="site"):
    id = Serial(primary_key=True)
    name = Varchar(length=100, unique=True)
    code = Varchar(length=32, unique=True)
    address = Varchar(length=255, default="")
    timezone = Varchar(length=64, default="Asia/Shanghai")
    created_at = Timestamptz()


class Building(Table, tablename="building"):
    id = Serial(primary_key=True)
    site = ForeignKey(references=Site, index=True)
    name = Varchar(length=64)  # 楼栋, e.g. "3栋"
    created_at = Timestamptz()


class Unit(Table, tablename="unit"):
    id = Serial(primary_key=True)
    building = ForeignKey(references=Building, index=True)
    entrance = Varchar(length=16, default="")  # 单元
    number = Varchar(length=32)  # 房号
    area_m2 = Numeric(digits=(8, 2), null=True, default=None)  # 面积
    vacant = Boolean(default=False, index=True)  # 空置
    vacant_since = Date(null=True, default=None)
    patrol_interval_days = Integer(default=7)
    created_at = Timestamptz()


class SiteMember(Table, tablename="site_member"):
    id = Serial(primary_key=True)
    site = ForeignKey(references=Site, index=True)
    user = ForeignKey(references=AppUser, index=True)
