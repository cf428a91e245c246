"""Users, their roles, server-side sessions and failed sign-in attempts."""

from piccolo.columns import (
    Boolean,
    ForeignKey,
    Serial,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

ROLES = ("patrol", "environment", "cashier", "supervisor", "manager", "admin")


class AppUser(Table, tablename="app_user"):
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    username = Varchar(length=64, unique=True, index=True)
    display_name = Varchar(length=100)
    phone = Varchar(length=32, default="")
    language = Varchar(length=8, default="zh-CN")
    active = Boolean(default=True)
    password_hash = Varchar(length=255, secret=True)
    created_at = Timestamptz()


class UserRole(Table, tablename="user_role"):
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    user = ForeignKey(references=AppUser, index=True)
    role = Varchar(length=32)


class UserSession(Table, tablename="user_session"):
    """A sign-in: the cookie holds a random token, the table only its SHA-256, so a leak of the
    table gives no usable cookie; deleting or revoking the row signs the device out."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    token_hash = Varchar(length=64, unique=True, index=True)
    user = ForeignKey(references=AppUser, index=True)
    created_at = Timestamptz()
    last_seen_at = Timestamptz()
    expires_at = Timestamptz()
    revoked = Boolean(default=False)
    user_agent = Varchar(length=255, default="")


class LoginAttempt(Table, tablename="login_attempt"):
    """A failed sign-in, counted per username and per address for rate limiting."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    key = Varchar(length=160, index=True)
    attempted_at = Timestamptz(index=True)
