"""The default vacant-unit checklist (DOMAIN.md), the first template version of every site, and
how older checklist versions read (a name that was one string, no meter readings declared)."""

from __future__ import annotations

from typing import Any

from sync import Refusal, SyncEngine, Write

DEFAULT_NAME = {"zh-CN": "空置房巡查标准清单", "en": "Vacant-unit checklist"}

DEFAULT_ITEMS: tuple[tuple[str, str, str, bool], ...] = (
    # (key, zh-CN, en, a failed item needs a photo)
    ("door", "入户门已锁且完好", "Entry door locked and intact", True),
    ("windows", "门窗已关闭", "Windows closed", False),
    ("water", "水阀已关、无漏水", "Water off, no leak", True),
    ("power", "电源已关", "Power off", False),
    ("gas", "燃气已关", "Gas off", False),
    ("seepage", "无渗水、无霉变", "No seepage or mould", False),
    ("damage", "无损坏、无失窃", "No damage or theft", True),
    ("occupancy", "无人居住", "No one living there", False),
    ("pests", "无虫害、无异味", "No pests or odour", False),
)

DEFAULT_READINGS: tuple[dict[str, Any], ...] = (
    {"meter": "water", "unit": "m³", "required": True},
    {"meter": "electricity", "unit": "kWh", "required": True},
)
# A version from before readings were declared: both meters, neither required.
LEGACY_READINGS: tuple[dict[str, Any], ...] = (
    {"meter": "water", "unit": "m³", "required": False},
    {"meter": "electricity", "unit": "kWh", "required": False},
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
        "name": dict(DEFAULT_NAME),
        "items": [
            {"key": k, "zh": zh, "en": en, "photo_required": photo}
            for k, zh, en, photo in DEFAULT_ITEMS
        ],
        "readings": [dict(r) for r in DEFAULT_READINGS],
    }


def local_name(name: object) -> dict[str, str]:
    """A checklist name in each language. A version saved when the name was one string
    ("空置房巡查标准清单 / Vacant-unit checklist") splits at its " / "."""
    if isinstance(name, dict):
        zh, en = str(name.get("zh-CN") or ""), str(name.get("en") or "")
        return {"zh-CN": zh or en, "en": en or zh}
    text = str(name or "")
    zh, sep, en = text.partition(" / ")
    return {"zh-CN": zh.strip(), "en": (en if sep else zh).strip()}


def readings_of(template: dict[str, Any]) -> list[dict[str, Any]]:
    """The meters a checklist version reads (LEGACY_READINGS when it declares none)."""
    given = template.get("readings")
    return list(given) if isinstance(given, list) else [dict(r) for r in LEGACY_READINGS]


def upgraded(template: dict[str, Any]) -> dict[str, Any] | None:
    """The next version of a checklist saved before names were kept per language, or None
    when it needs none. Versions never change, so the upgrade is a new version."""
    if isinstance(template.get("name"), dict) and isinstance(template.get("readings"), list):
        return None
    return {
        "site_id": template["site_id"],
        "version": int(template["version"]) + 1,
        "name": local_name(template.get("name")),
        "items": [{"photo_required": False, **item} for item in template.get("items") or []],
        "readings": readings_of(template),
    }


async def upgrade_checklists(engine: SyncEngine) -> int:
    """Gives every site whose newest checklist keeps its name as one string a new version
    with the name per language (`fieldkeep migrate`); returns how many versions it made."""
    from server.sites.tables import Site
    from server.syncing.records import records_of_site

    made = 0
    for site in await Site.select(Site.id):
        versions = await records_of_site("patrol_templates", site["id"])
        if not versions:
            continue
        newest = max(versions, key=lambda t: int(t.get("version") or 0))
        fields = upgraded(newest)
        if fields is None:
            continue
        write = Write(
            collection="patrol_templates",
            id=f"site-{site['id']}-v{fields['version']}",
            fields={**fields, "created_by": None, "created_at": None},
        )
        await engine.server_write([write])
        made += 1
    return made
