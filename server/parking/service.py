"""Parking queries other parts of the app may call: the gate's site, the tariff in force."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import msgspec

from server.parking.tables import Gate, Tariff
from server.parking.tariff import TariffRules


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
