"""Permits (one row per issued paper) and the sites' permit signing keys (public halves only)."""

from piccolo.columns import (
    BigInt,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from server.sites.tables import Site


class PermitSigningKey(Table, tablename="permit_signing_key"):
    """A site's ES256 key. The private half lives in the data folder
    (secrets/permits/<kid>.pem), never in the database: a dump cannot forge permits. The newest
    key that is not retired signs; retired ones still verify their permits."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    site = ForeignKey(references=Site, index=True, on_delete=OnDelete.cascade)
    kid = Varchar(length=16, unique=True)  # base64url of 8 bytes of the JWK thumbprint
    alg = Varchar(length=16, default="ES256")
    public_jwk = Text()  # JSON: kty, crv, x, y
    created_at = Timestamptz()
    retired_at = Timestamptz(null=True, default=None)


class Permit(Table, tablename="permit"):
    """One issued permit or card: the projection of the `permits` sync collection (written by
    the sync store with each record, see handlers.py). Typed columns for what is searched and
    counted (subject, validity, status, money); what differs by kind is in `details` (JSON)."""

    id = Varchar(length=36, primary_key=True)  # uuid, as sync ids are
    revision = BigInt(default=0)  # the record's sync revision
    site = ForeignKey(references=Site, index=True, on_delete=OnDelete.cascade)
    kind = Varchar(length=32)  # monthly_parking | decoration | release_pass | access_card
    subject = Varchar(length=64, index=True)  # the plate, or the unit's label
    serial = Integer()  # the site's running number, printed as No. 000123
    status = Varchar(length=16, default="issued")  # issued | revoked
    not_before = Timestamptz()
    expires = Timestamptz(index=True)
    kid = Varchar(length=16, index=True)  # the key that signed `qr`
    qr = Text()  # FK1:… exactly as printed (an ECDSA signature differs at every signing)
    details = Text()  # JSON of the kind's details
    unit_id = Integer(null=True, default=None)
    space = Varchar(length=32, null=True, default=None)  # monthly parking: the space
    fee_fen = BigInt(null=True, default=None)  # monthly parking: the fee paid, in fen
    issued_by = Integer(null=True, default=None)  # user id
    created_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
    revoked_reason = Text(default="")
    used_at = Timestamptz(null=True, default=None)  # release passes: when the gate took it
    renews = Varchar(length=36, null=True, default=None)  # the permit this one renewed
    renewed_by = Varchar(length=36, null=True, default=None)  # its renewal, once renewed
