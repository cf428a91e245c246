"""HTTP: the VAPID public key, a user's subscriptions (one per device) and their choice of
kinds."""

from __future__ import annotations

import base64
import binascii
import hmac

from cryptography.hazmat.primitives.asymmetric import ec
from litestar import Response, delete, get, post, put
from litestar.di import Provide
from litestar.status_codes import HTTP_204_NO_CONTENT

from server.auth.guards import provide_current_user
from server.auth.service import CurrentUser
from server.db import write_transaction
from server.errors import AppError
from server.openapi import refusals
from server.push.devices import forget_device
from server.push.endpoints import EndpointRefused, check_subscription_endpoint
from server.push.queue import now_ms
from server.push.schemas import (
    PreferencesRead,
    PreferencesUpdate,
    SubscriptionCreate,
    SubscriptionDelete,
    SubscriptionKeys,
    SubscriptionRead,
    VapidKeyRead,
)
from server.push.tables import PushMessage, PushPreference, PushSubscription
from server.push.texts import KINDS
from server.push.vapid import application_server_key
from server.settings import Settings

MAX_DEVICES = 20  # per user; the longest-unused subscription goes first


def _b64url(value: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None


def check_keys(keys: SubscriptionKeys) -> None:
    point = _b64url(keys.p256dh)
    try:
        if point is None or len(point) != 65:
            raise ValueError
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        raise AppError("push_keys_invalid", 422, field="keys.p256dh") from None
    secret = _b64url(keys.auth)
    if secret is None or len(secret) != 16:
        raise AppError("push_keys_invalid", 422, field="keys.auth")


GUARDED = {"dependencies": {"user": Provide(provide_current_user)}}


@get("/api/push/vapid-public-key", sync_to_thread=False)
def vapid_public_key(settings: Settings) -> Response[VapidKeyRead]:
    """The key the browser subscribes with (`applicationServerKey`)."""
    return Response(
        VapidKeyRead(public_key=application_server_key(settings.push.vapid_private_key)),
        headers={"Cache-Control": "no-cache"},
    )


@post("/api/push/subscriptions", status_code=201, responses=refusals(409, 422), **GUARDED)  # type: ignore[arg-type]
async def subscribe(
    data: SubscriptionCreate, user: CurrentUser, settings: Settings
) -> SubscriptionRead:
    """Subscribe this device; the same endpoint again replaces its keys. An endpoint another
    user holds passes to the caller only with the same keys: the browser that holds the
    subscription (a shared phone, signed in by someone else) proves it by its auth secret,
    which is never shown to anyone; anyone else who learnt the endpoint is refused (409)."""
    try:
        await check_subscription_endpoint(data.endpoint, settings.push)
    except EndpointRefused as exc:
        raise AppError(exc.code, 422, field="endpoint") from None
    check_keys(data.keys)
    at = now_ms()
    async with write_transaction():
        await _check_possession(data, user.id)
        rows = await (
            PushSubscription.insert(
                PushSubscription(
                    user=user.id,
                    endpoint=data.endpoint,
                    p256dh=data.keys.p256dh,
                    auth=data.keys.auth,
                    device=data.device,
                    language=data.language,
                    created_at_ms=at,
                )
            )
            .on_conflict(
                target=PushSubscription.endpoint,
                action="DO UPDATE",
                values=[
                    PushSubscription.user,
                    PushSubscription.p256dh,
                    PushSubscription.auth,
                    PushSubscription.device,
                    PushSubscription.language,
                    PushSubscription.created_at_ms,
                ],
            )
            .returning(PushSubscription.id)
        )
        sub_id = int(rows[0]["id"])
        # Another user's messages never reach this browser once it is this user's.
        await PushMessage.update({PushMessage.state: "gone", PushMessage.done_ms: at}).where(
            (PushMessage.subscription_id == sub_id)
            & (PushMessage.state == "pending")
            & (PushMessage.user_id != user.id)
        )
        mine = await (
            PushSubscription.select(PushSubscription.id)
            .where(PushSubscription.user == user.id)
            .order_by(PushSubscription.created_at_ms, ascending=False)
        )
        extra = [int(r["id"]) for r in mine[MAX_DEVICES:]]
        if extra:
            await PushSubscription.delete().where(PushSubscription.id.is_in(extra))
    return SubscriptionRead(
        id=sub_id, endpoint=data.endpoint, device=data.device, language=data.language
    )


async def _check_possession(data: SubscriptionCreate, user_id: int) -> None:
    held = await (
        PushSubscription.select(
            PushSubscription.user, PushSubscription.p256dh, PushSubscription.auth
        )
        .where(PushSubscription.endpoint == data.endpoint)
        .first()
    )
    if held is None or held["user"] == user_id:
        return
    same_keys = hmac.compare_digest(held["auth"], data.keys.auth) and hmac.compare_digest(
        held["p256dh"], data.keys.p256dh
    )
    if not same_keys:
        raise AppError("push_endpoint_taken", 409, field="endpoint")


@delete("/api/push/subscriptions", status_code=HTTP_204_NO_CONTENT, **GUARDED)  # type: ignore[arg-type]
async def unsubscribe(data: SubscriptionDelete, user: CurrentUser) -> None:
    """Forget this device's subscription (only the caller's own; unknown endpoints are fine)."""
    await forget_device(user.id, data.endpoint)


async def preferences_of(user_id: int) -> PreferencesRead:
    rows = await PushPreference.select(PushPreference.kind, PushPreference.enabled).where(
        PushPreference.user == user_id
    )
    chosen = {str(r["kind"]): bool(r["enabled"]) for r in rows if r["kind"] in KINDS}
    return PreferencesRead(**chosen)


@get("/api/push/preferences", **GUARDED)  # type: ignore[arg-type]
async def get_preferences(user: CurrentUser) -> PreferencesRead:
    """Which kinds of notification this user receives (all of them unless switched off)."""
    return await preferences_of(user.id)


@put("/api/push/preferences", **GUARDED)  # type: ignore[arg-type]
async def put_preferences(data: PreferencesUpdate, user: CurrentUser) -> PreferencesRead:
    async with write_transaction():
        for kind in KINDS:
            enabled = getattr(data, kind)
            if enabled is None:
                continue
            await PushPreference.insert(
                PushPreference(key=f"{user.id}/{kind}", user=user.id, kind=kind, enabled=enabled)
            ).on_conflict(
                target=PushPreference.key,
                action="DO UPDATE",
                values=[PushPreference.enabled],
            )
    return await preferences_of(user.id)


ROUTES = [vapid_public_key, subscribe, unsubscribe, get_preferences, put_preferences]
