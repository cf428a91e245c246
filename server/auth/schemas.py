"""Request and response bodies of the accounts API (msgspec Structs)."""

from __future__ import annotations

from typing import Annotated

import msgspec

from server.auth.tables import ROLES


class LoginRequest(msgspec.Struct, forbid_unknown_fields=True):
    username: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=256)]


class LogoutRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Optional: this browser's push endpoint, so its notifications stop with the session."""

    push_endpoint: Annotated[str, msgspec.Meta(min_length=1, max_length=2048)] | None = None


class UserSiteRead(msgspec.Struct):
    id: int
    name: str
    code: str
    timezone: str  # IANA name: the site's calendar, in which the app shows dates and times


class UserRead(msgspec.Struct):
    id: int
    username: str
    display_name: str
    language: str
    roles: list[str]
    sites: list[UserSiteRead]


class UserEnvelope(msgspec.Struct):
    user: UserRead


class CsrfTokenRead(msgspec.Struct):
    csrf_token: str


Username = Annotated[str, msgspec.Meta(min_length=2, max_length=64, pattern=r"^[a-z0-9_.-]+$")]


Password = Annotated[str, msgspec.Meta(min_length=8, max_length=256)]


Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


Phone = Annotated[str, msgspec.Meta(max_length=32)]


Role = Annotated[str, msgspec.Meta(pattern="^(" + "|".join(ROLES) + ")$")]


Language = Annotated[str, msgspec.Meta(pattern="^(zh-CN|en)$")]


class UserCreate(msgspec.Struct, forbid_unknown_fields=True):
    username: Username
    display_name: Name
    password: Password
    roles: list[Role]
    site_ids: list[int] = msgspec.field(default_factory=list)
    phone: Phone = ""


class UserUpdate(msgspec.Struct, forbid_unknown_fields=True):
    display_name: Name | None = None
    phone: Phone | None = None
    roles: list[Role] | None = None
    site_ids: list[int] | None = None
    active: bool | None = None
    password: Password | None = None


class UserAdminRead(msgspec.Struct):
    id: int
    username: str
    display_name: str
    phone: str
    active: bool
    roles: list[str]
    site_ids: list[int]


class MyPreferencesUpdate(msgspec.Struct, forbid_unknown_fields=True):
    language: Language | None = None
    display_name: Name | None = None
