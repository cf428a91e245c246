"""Accounts an admin keeps: users with their roles and sites; and a user's own preferences."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from litestar import Controller, Request, get, patch, post
from litestar.di import Provide

from server.audit.middleware import add_details
from server.auth import service
from server.auth.controller import user_read
from server.auth.guards import provide_current_user
from server.auth.schemas import (
    MyPreferencesUpdate,
    UserAdminRead,
    UserCreate,
    UserEnvelope,
    UserUpdate,
)
from server.auth.service import CurrentUser
from server.auth.tables import AppUser, UserRole
from server.errors import AppError
from server.openapi import Id, refusals
from server.sites.tables import Site, SiteMember


async def _check_sites(site_ids: list[int]) -> None:
    if not site_ids:
        return
    found = {r["id"] for r in await Site.select(Site.id).where(Site.id.is_in(site_ids))}
    for site_id in site_ids:
        if site_id not in found:
            raise AppError("unknown_site", 422, field="site_ids", site_id=site_id)


async def _read(user_id: int) -> UserAdminRead:
    row = await AppUser.select().where(AppUser.id == user_id).first()
    if row is None:
        raise AppError("not_found", 404)
    roles, site_ids = await service.roles_and_sites_of(user_id)
    return UserAdminRead(
        id=row["id"],
        username=row["username"],
        display_name=row["display_name"],
        phone=row["phone"],
        active=row["active"],
        roles=sorted(roles),
        site_ids=sorted(site_ids),
    )


class UsersController(Controller):
    path = "/api/users"

    @get("/")
    async def list_users(self) -> list[UserAdminRead]:
        rows = await AppUser.select(AppUser.id).order_by(AppUser.username)
        return [await _read(r["id"]) for r in rows]

    @post("/", responses=refusals(409, 422))
    async def create_user(self, request: Request[Any, Any, Any], data: UserCreate) -> UserAdminRead:
        await _check_sites(data.site_ids)
        add_details(request.state, username=data.username, roles=data.roles, site_ids=data.site_ids)
        try:
            user_id = await service.create_user(
                data.username,
                data.password,
                display_name=data.display_name,
                roles=data.roles,
                site_ids=data.site_ids,
                phone=data.phone,
            )
        except service.UsernameTaken:
            raise AppError(
                "username_taken", 409, field="username", username=data.username
            ) from None
        return await _read(user_id)

    @patch("/{user_id:int}", responses=refusals(409, 422))
    async def update_user(
        self, request: Request[Any, Any, Any], user_id: Id, data: UserUpdate
    ) -> UserAdminRead:
        await _read(user_id)
        changed = {
            "roles": data.roles,
            "site_ids": data.site_ids,
            "active": data.active,
            "password_changed": data.password is not None or None,
        }
        add_details(request.state, **{k: v for k, v in changed.items() if v is not None})
        changes: dict[Any, Any] = {}
        if data.display_name is not None:
            changes[AppUser.display_name] = data.display_name
        if data.phone is not None:
            changes[AppUser.phone] = data.phone
        if changes:
            await AppUser.update(changes).where(AppUser.id == user_id)
        if data.roles is not None:
            await UserRole.delete().where(UserRole.user == user_id)
            if data.roles:
                await UserRole.insert(
                    *(UserRole(user=user_id, role=r) for r in sorted(set(data.roles)))
                )
        if data.site_ids is not None:
            await _check_sites(data.site_ids)
            await SiteMember.delete().where(SiteMember.user == user_id)
            if data.site_ids:
                await SiteMember.insert(
                    *(SiteMember(site=s, user=user_id) for s in sorted(set(data.site_ids)))
                )
        if data.password is not None:
            await service.set_password(user_id, data.password)
        if data.active is not None:
            await service.set_active(user_id, data.active)
        return await _read(user_id)


@patch(
    "/api/auth/me",
    dependencies={"user": Provide(provide_current_user)},
)
async def update_me(user: CurrentUser, data: MyPreferencesUpdate) -> UserEnvelope:
    """A user's own language (for server texts and notifications) and display name."""
    changes: dict[Any, Any] = {}
    if data.language is not None:
        changes[AppUser.language] = data.language
    if data.display_name is not None:
        changes[AppUser.display_name] = data.display_name
    if changes:
        await AppUser.update(changes).where(AppUser.id == user.id)
    return UserEnvelope(
        user=await user_read(
            replace(
                user,
                language=data.language or user.language,
                display_name=data.display_name or user.display_name,
            )
        )
    )
