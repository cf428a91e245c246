"""The parking tables keep their keys unique over several columns, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from server.parking.tables import Denomination, Gate, Tariff
from server.settings import Settings
from tests.server.sync_device import make_site

AT = datetime(2026, 1, 1, tzinfo=UTC)


async def test_a_tariff_version_is_taken_once_per_site_and_class(settings: Settings) -> None:
    site, other = await make_site("a"), await make_site("b")

    def version(site_id: int, vehicle_class: str) -> Tariff:
        return Tariff(
            site=site_id,
            vehicle_class=vehicle_class,
            version=1,
            effective_from=AT,
            rules="{}",
            created_at=AT,
        )

    await Tariff.insert(version(site, "small"), version(site, "large"), version(other, "small"))
    with pytest.raises(Exception, match=r"(?i)unique"):
        await Tariff.insert(version(site, "small"))


async def test_a_gate_code_and_a_denomination_are_unique_per_site(settings: Settings) -> None:
    site, other = await make_site("a"), await make_site("b")
    await Gate.insert(
        Gate(site=site, name="东门", code="east", created_at=AT),
        Gate(site=other, name="东门", code="east", created_at=AT),
    )
    with pytest.raises(Exception, match=r"(?i)unique"):
        await Gate.insert(Gate(site=site, name="又一个东门", code="east", created_at=AT))
    await Denomination.insert(
        Denomination(site=site, kind="note", fen=100), Denomination(site=site, kind="coin", fen=100)
    )
    with pytest.raises(Exception, match=r"(?i)unique"):
        await Denomination.insert(Denomination(site=site, kind="coin", fen=100))
