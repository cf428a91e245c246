"""Parking queries other parts of the app may call: the gate's site, the tariff in force, and
the master data the shift rules read (tariff versions, exemption reasons, denominations)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import msgspec

from server.parking.tables import Denomination, ExemptionReason, Gate, Tariff
from server.parking.tariff import TariffRules
from server.sites.tables import Site


@dataclass(frozen=True)
class TariffInForce:
    id: int
    version: int
    rules: TariffRules


async def site_of_gate(gate_id: int) -> int | None:
    row = await Gate.select(Gate.site).where(Gate.id == gate_id).first()
    return int(row["site"]) if row else None


async def tariff_in_force(site_id: int, vehicle_class: str, at: datetime) -> TariffInForce | None:
    """The version in force at `at`: the latest effective_from not after it (then the highest
    version, should two take effect at the same instant)."""
    row = (
        await Tariff.select(Tariff.id, Tariff.version, Tariff.rules)
        .where(
            (Tariff.site == site_id)
            & (Tariff.vehicle_class == vehicle_class)
            & (Tariff.effective_from <= at)
        )
        .order_by(Tariff.effective_from, ascending=False)
        .order_by(Tariff.version, ascending=False)
        .first()
    )
    if row is None:
        return None
    return TariffInForce(
        id=row["id"],
        version=row["version"],
        rules=msgspec.json.decode(row["rules"], type=TariffRules),
    )


@dataclass(frozen=True)
class TariffVersion:
    id: int
    version: int
    effective_from: datetime
    rules: TariffRules


async def tariff_versions(site_id: int, vehicle_class: str) -> tuple[TariffVersion, ...]:
    """Every version of the class's tariff at the site, the one to prefer first (latest
    effective_from, then highest version)."""
    rows = (
        await Tariff.select(Tariff.id, Tariff.version, Tariff.effective_from, Tariff.rules)
        .where((Tariff.site == site_id) & (Tariff.vehicle_class == vehicle_class))
        .order_by(Tariff.effective_from, ascending=False)
        .order_by(Tariff.version, ascending=False)
    )
    return tuple(
        TariffVersion(
            id=r["id"],
            version=r["version"],
            effective_from=r["effective_from"],
            rules=msgspec.json.decode(r["rules"], type=TariffRules),
        )
        for r in rows
    )


def in_force(versions: tuple[TariffVersion, ...], at: datetime) -> TariffVersion | None:
    """The version in force at `at` (as `tariff_in_force`, over versions already read)."""
    return next((v for v in versions if v.effective_from <= at), None)


async def gate_of(gate_id: int) -> tuple[int, bool] | None:
    """(site id, active) of a gate, None when there is no such gate."""
    row = await Gate.select(Gate.site, Gate.active).where(Gate.id == gate_id).first()
    return (int(row["site"]), bool(row["active"])) if row else None


async def exemption_roles(site_id: int) -> dict[str, str]:
    """The site's active exemption reasons: code -> the role that approves it."""
    rows = await ExemptionReason.select(ExemptionReason.code, ExemptionReason.approver_role).where(
        (ExemptionReason.site == site_id) & (ExemptionReason.active == True)  # noqa: E712
    )
    return {r["code"]: r["approver_role"] for r in rows}


async def denominations(site_id: int) -> frozenset[int]:
    """The values in fen the site counts (notes and coins of one value count together)."""
    rows = await Denomination.select(Denomination.fen).where(Denomination.site == site_id)
    return frozenset(int(r["fen"]) for r in rows)


async def site_code(site_id: int) -> str:
    row = await Site.select(Site.code).where(Site.id == site_id).first()
    return str(row["code"]) if row else str(site_id)
