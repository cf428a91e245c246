"""Each site's permit signing key: made on first use, rotated on demand, its public half in the
database and its private half in the data folder.

Why the data folder and not the environment: keys are per site and rotate, so their number grows
at run time, which environment variables cannot follow; the data folder is where the app already
makes its secrets (session key, VAPID key) with mode 0600, and what is backed up with the photos.
The database holds only public halves, so a dump of it cannot forge a permit."""

from __future__ import annotations

import json
import logging
from collections.abc import Collection
from datetime import datetime, timedelta
from pathlib import Path

from server.auth.service import now as utc_now
from server.db import write_transaction
from server.permits.signing import ALG, PublicKey, SigningKey, kid_of, new_private_pem, public_jwk
from server.permits.tables import Permit, PermitSigningKey
from server.secret_files import write_secret_file
from server.settings import Settings

log = logging.getLogger("fieldkeep.permits")

# A retired key is still handed out this long after the last permit it signed has expired, so
# such a paper reads "expired" rather than "unknown key".
KEEP_AFTER_EXPIRY = timedelta(days=90)


KEY_FOLDER = Path("secrets") / "permits"  # in the data folder


def key_folder(settings: Settings) -> Path:
    return settings.data_dir / KEY_FOLDER


async def signing_key(settings: Settings, site_id: int) -> SigningKey:
    """The key that signs the site's new permits, made on first use (or again if its private
    half has gone from the data folder). Two processes making a site's first key at the same
    moment both succeed: the newer signs, the other stays a valid verification key."""
    row = (
        await PermitSigningKey.select(PermitSigningKey.kid)
        .where((PermitSigningKey.site == site_id) & PermitSigningKey.retired_at.is_null())
        .order_by(PermitSigningKey.id, ascending=False)
        .first()
    )
    if row is not None:
        try:
            pem = (key_folder(settings) / f"{row['kid']}.pem").read_bytes()
            return SigningKey(row["kid"], pem.strip())
        except FileNotFoundError:
            log.warning(
                "permit key %s of site %s has no private file; rotating", row["kid"], site_id
            )
    return await rotate_key(settings, site_id)


async def rotate_key(settings: Settings, site_id: int, at: datetime | None = None) -> SigningKey:
    """A new active key for the site. The old ones are retired: they sign nothing more (their
    private files are removed) but still verify the permits they signed."""
    at = at or utc_now()
    pem = new_private_pem()
    jwk = public_jwk(pem)
    kid = kid_of(jwk)
    write_secret_file(key_folder(settings), f"{kid}.pem", pem)
    async with write_transaction():
        retired = await PermitSigningKey.select(PermitSigningKey.kid).where(
            (PermitSigningKey.site == site_id) & PermitSigningKey.retired_at.is_null()
        )
        await PermitSigningKey.update({PermitSigningKey.retired_at: at}).where(
            (PermitSigningKey.site == site_id) & PermitSigningKey.retired_at.is_null()
        )
        await PermitSigningKey.insert(
            PermitSigningKey(
                site=site_id, kid=kid, alg=ALG, public_jwk=json.dumps(jwk), created_at=at
            )
        )
    for old in retired:
        (key_folder(settings) / f"{old['kid']}.pem").unlink(missing_ok=True)
    log.info("permit key of site %s is now %s", site_id, kid)
    return SigningKey(kid, pem)


async def verification_keys(
    site_ids: Collection[int] | None, at: datetime | None = None
) -> list[PublicKey]:
    """The public keys that verify the sites' permits (every site's when `site_ids` is None):
    the active ones, and retired ones while a permit they signed is in date or recently out."""
    at = at or utc_now()
    query = PermitSigningKey.select(
        PermitSigningKey.kid,
        PermitSigningKey.site,
        PermitSigningKey.public_jwk,
        PermitSigningKey.retired_at,
    ).order_by(PermitSigningKey.id)
    if site_ids is not None:
        if not site_ids:
            return []
        query = query.where(PermitSigningKey.site.is_in(list(site_ids)))
    rows = await query
    retired = [r["kid"] for r in rows if r["retired_at"] is not None]
    in_use: set[str] = set()
    if retired:
        used = await Permit.select(Permit.kid).where(
            Permit.kid.is_in(retired) & (Permit.expires > at - KEEP_AFTER_EXPIRY)
        )
        in_use = {r["kid"] for r in used}
    return [
        PublicKey(kid=r["kid"], site_id=r["site"], jwk=json.loads(r["public_jwk"]))
        for r in rows
        if r["retired_at"] is None or r["kid"] in in_use
    ]
