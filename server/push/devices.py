"""Ending one device's subscription, for the push routes and for signing out."""

from __future__ import annotations

from server.push.tables import PushSubscription


async def forget_device(user_id: int, endpoint: str) -> None:
    """This user's subscription at this endpoint stops; another user's is left alone."""
    await PushSubscription.delete().where(
        (PushSubscription.endpoint == endpoint) & (PushSubscription.user == user_id)
    )
