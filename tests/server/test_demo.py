"""The demo shows every feature at work: keys out (one overdue), a patrol waiting for review and one
returned, findings at several steps, all in Chinese and made through the sync engine."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from server.demo import seed_demo, seed_synced
from server.settings import Settings
from server.sites.tables import Site
from tests.conftest import PASSWORD, ApiClient
from tests.server.sync_device import Device

# Latin letters, except an area's letter as Chinese signs use it (地下车库 A 区).
LATIN = re.compile(r"[A-Za-z](?! 区)")
# The fields of the seeded records that people read (codes and ids aside).
TEXTS = {
    "keys": ("label", "storage_place", "owner_name", "authorized_people", "note"),
    "key_events": ("note",),
    "patrols": ("note", "review_comment"),
    "findings": ("location", "description", "fix_note"),
    "inspections": ("vendor_name", "zone_name"),
    "inspection_items": ("label_zh", "reason", "note", "after_note"),
    "finding_comments": ("body",),
    "parking_shifts": ("review_comment",),
    "parking_transactions": ("variance_reason", "reason"),
    "parking_events": ("note",),
}


async def _seeded(client: ApiClient, settings: Settings) -> dict[str, list[dict[str, Any]]]:
    """Seeds the demo; returns what 李娜 (the supervisor) pulls, by collection."""
    await seed_synced(settings, await seed_demo(PASSWORD))
    await client.sign_in("lina")
    records: dict[str, list[dict[str, Any]]] = {}
    for change in await Device(client).pull_all():
        records.setdefault(change["collection"], []).append(
            {**change["fields"], "id": change["id"]}
        )
    return records


async def _cuihu() -> int:
    row = await Site.select(Site.id).where(Site.code == "cuihu").first()
    assert row is not None
    return int(row["id"])


async def test_the_supervisor_pulls_a_patrol_to_review_a_returned_and_an_approved_one(
    client: ApiClient, settings: Settings
) -> None:
    records = await _seeded(client, settings)
    patrols = {p["status"]: p for p in records["patrols"]}
    assert sorted(patrols) == ["approved", "rejected", "submitted"]
    waiting = patrols["submitted"]
    (failed,) = [item for item in waiting["items"].values() if item["result"] == "fail"]
    (raised,) = waiting["finding_ids"]
    finding = next(f for f in records["findings"] if f["id"] == raised)
    assert finding["patrol_id"] == waiting["id"] and finding["status"] == "open"
    assert finding["description"] == f"{failed['label']}：{failed['note']}"
    assert patrols["rejected"]["review_comment"].startswith("电表读数 1.0 与现场不符")
    assert patrols["approved"]["reviewed_by"] == patrols["rejected"]["reviewed_by"]


async def test_keys_are_registered_with_tag_hashes_and_some_are_out_one_overdue(
    client: ApiClient, settings: Settings
) -> None:
    records = await _seeded(client, settings)
    keys = records["keys"]
    assert 8 <= len(keys) <= 12
    assert all(len(k["tag_hash"]) == 64 and "qr_token" not in k for k in keys)
    entrusted = [k for k in keys if k["kind"] == "entrusted"]
    assert len(entrusted) == 1 and entrusted[0]["authorization_until"]
    out = (await client.get(f"/api/sites/{await _cuihu()}/keys/out")).json()
    assert sorted(k["holder"] for k in out) == ["刘洋", "刘洋", "张伟"]
    assert [k["overdue"] for k in out] == [True, False, False]  # longest out first
    kinds = Counter(e["kind"] for e in records["key_events"])
    assert kinds == {"checkout": 5, "checkin": 2}


async def test_findings_are_at_every_step_and_every_seeded_text_is_chinese(
    client: ApiClient, settings: Settings
) -> None:
    records = await _seeded(client, settings)
    # The findings domain's own (vendor inspections raise more: tests/server/vendors).
    statuses = Counter(f["status"] for f in records["findings"] if not f.get("inspection_id"))
    assert statuses == {"open": 2, "assigned": 1, "fixed": 1, "verified": 1, "closed": 1}
    assert any(f["status"] == "open" and f["assignee_id"] is None for f in records["findings"])
    own = [f for f in records["findings"] if not f.get("inspection_id")]
    assert sum(bool(f.get("accepted_at")) for f in own) == 3  # 接单: one still waits
    assert any(f["status"] == "assigned" and not f.get("accepted_at") for f in own)
    assert records["finding_comments"]
    for collection, names in TEXTS.items():
        for record in records[collection]:
            for name in names:
                text = record.get(name) or ""
                assert not LATIN.search(text), (collection, name, text)
    said = [f["description"] for f in records["findings"]] + [p["note"] for p in records["patrols"]]
    assert all(re.search(r"[\u4e00-\u9fff]", s) for s in said if s)


async def test_without_records_the_demo_has_its_checklists_and_no_keys_patrols_or_findings(
    client: ApiClient, settings: Settings
) -> None:
    await seed_synced(settings, await seed_demo(PASSWORD), records=False)
    await client.sign_in("lina")
    collections = Counter(c["collection"] for c in await Device(client).pull_all())
    assert collections == {"patrol_templates": 2}
