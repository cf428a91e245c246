"""A parking site for shift tests: 东门 with the demo tariffs, reasons and denominations, and
the intents' arguments as a cashier's phone sends them."""

from __future__ import annotations

import uuid
from typing import Any

from server.parking.demo import DEMO_LARGE, DEMO_SMALL, DENOMINATIONS, EXEMPTION_REASONS
from server.parking.tables import Denomination, ExemptionReason
from tests.conftest import ApiClient, make_user
from tests.server.parking.test_controller import add_gate, add_tariff
from tests.server.sync_device import Device, make_site

ENTRY = "2026-12-06T08:00:00+08:00"
FLOAT = {"10000": 2, "1000": 5, "100": 10}  # 200 + 50 + 10 yuan = 26,000 fen


def uid() -> str:
    return str(uuid.uuid4())


async def parking_site(code: str = "cuihu") -> dict[str, int]:
    site = await make_site(code)
    gate = await add_gate(site)
    await add_tariff(site, "small", DEMO_SMALL)
    await add_tariff(site, "large", DEMO_LARGE)
    await ExemptionReason.insert(
        *(
            ExemptionReason(site=site, code=c, name_zh=zh, name_en=en, approver_role=role)
            for c, zh, en, role in EXEMPTION_REASONS
        )
    )
    await Denomination.insert(
        *(Denomination(site=site, kind=kind, fen=fen) for kind, fen in DENOMINATIONS)
    )
    return {"site": site, "gate": gate}


async def signed_in(client: ApiClient, name: str, roles: list[str], site: int) -> Device:
    user_id = await make_user(name, roles, [site])
    assert (await client.sign_in(name)).status_code == 200
    device = Device(client)
    device.user_id = user_id  # type: ignore[attr-defined]
    return device


def open_args(park: dict[str, int], **more: Any) -> dict[str, Any]:
    return {
        "id": uid(),
        "site_id": park["site"],
        "gate_id": park["gate"],
        "opened_at": "2026-12-06T07:55:00+08:00",
        "float_counts": FLOAT,
        "cards_received": 50,
        **more,
    }


def fee_args(shift_id: str, receipt_no: str, **more: Any) -> dict[str, Any]:
    """A small car, 08:00 to 10:00:01: 7 yuan, paid cash."""
    return {
        "id": uid(),
        "shift_id": shift_id,
        "receipt_no": receipt_no,
        "kind": "fee",
        "plate": "浙A·D12345",
        "vehicle_class": "small",
        "entry_at": ENTRY,
        "exit_at": "2026-12-06T10:00:01+08:00",
        "lost_ticket": False,
        "fee_fen": 700,
        "amount_fen": 700,
        "method": "cash",
        **more,
    }


def close_args(shift_id: str, counts: dict[str, int], **more: Any) -> dict[str, Any]:
    return {
        "id": shift_id,
        "closed_at": "2026-12-06T16:00:00+08:00",
        "count_counts": counts,
        "cards_on_hand": 48,
        "bag_no": "TB-0042",
        **more,
    }


async def record_of(device: Device, collection: str, record_id: str) -> dict[str, Any]:
    device.cursor = None
    changes = await device.pull_all()
    found = [c for c in changes if c["collection"] == collection and c["id"] == record_id]
    assert found, (collection, record_id)
    return dict(found[-1]["fields"])
