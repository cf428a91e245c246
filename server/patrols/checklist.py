"""The default vacant-unit checklist (DOMAIN.md), the first template version of every site."""

from __future__ import annotations

from typing import Any

from sync import Refusal, SyncEngine, Write

DEFAULT_ITEMS: tuple[tuple[str, str, str], ...] = (
    # (key, zh-CN, en)
    ("door", "入户门已锁且完好", "Entry door locked and intact"),
    ("windows", "门窗已关闭", "Windows closed"),
    ("water", "水阀已关、无漏水", "Water off, no leak"),
    ("power", "电源已关", "Power off"),
    ("gas", "燃气已关", "Gas off"),
    ("seepage", "无渗水、无霉变", "No seepage or mould"),
    ("damage", "无损坏、无失窃", "No damage or theft"),
    ("occupancy", "无人居住", "No one living there"),
    ("pests", "无虫害、无异味", "No pests or odour"),
)


async def ensure_default_template(engine: SyncEngine, site_id: int) -> None:
    """Gives a site its first checklist version (a synced record), unless it has one."""
    write = Write(
        collection="patrol_templates",
        id=default_template_id(site_id),
        fields={**default_template(site_id), "created_by": None, "created_at": None},
    )
    try:
        await engine.server_write([write])
    except Refusal as refusal:  # append_only: the site has it already
        if refusal.code != "append_only":
            raise


def default_template_id(site_id: int) -> str:
    return f"site-{site_id}-v1"


def default_template(site_id: int) -> dict[str, Any]:
    return {
        "site_id": site_id,
        "version": 1,
        "name": "空置房巡查标准清单 / Vacant-unit checklist",
        "items": [{"key": k, "zh": zh, "en": en} for k, zh, en in DEFAULT_ITEMS],
    }
