"""Vendors' rules and queries, apart from HTTP: creating vendors, contracts, zones and template
versions, and reading them back (the controller and the demo seed both come through here)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import msgspec
from piccolo.columns import Column

from server.auth.service import now
from server.errors import AppError
from server.sites.service import site_zone
from server.sites.tables import Site
from server.vendors.schemas import (
    ContractCreate,
    ContractRead,
    ContractSummary,
    TemplateItemRead,
    TemplateVersionCreate,
    TemplateVersionRead,
    VendorCreate,
    VendorRead,
    VendorUpdate,
    ZoneCreate,
    ZoneRead,
)
from server.vendors.settlement import RuleInvalid, SettlementRule, check_rule
from server.vendors.tables import (
    Contract,
    ContractSite,
    EvaluationSignoff,
    InspectionTemplate,
    TemplateItem,
    TemplateVersion,
    Vendor,
    Zone,
)

TEMPLATE_TOTAL_POINTS = 100


# Vendors


async def create_vendor(data: VendorCreate) -> VendorRead:
    await _unique_vendor_name(data.name)
    rows = await Vendor.insert(
        Vendor(
            name=data.name,
            service=data.service,
            contact=data.contact,
            active=data.active,
            created_at=now(),
        )
    ).returning(Vendor.id)
    return VendorRead(
        id=rows[0]["id"],
        name=data.name,
        service=data.service,
        contact=data.contact,
        active=data.active,
        contract=None,
    )


async def update_vendor(vendor_id: int, data: VendorUpdate) -> None:
    if not await Vendor.exists().where(Vendor.id == vendor_id):
        raise AppError("not_found", 404)
    if data.name is not None:
        await _unique_vendor_name(data.name, vendor_id)
    given = ((Vendor.name, data.name), (Vendor.contact, data.contact), (Vendor.active, data.active))
    changes: dict[Column | str, Any] = {c: v for c, v in given if v is not None}
    if changes:
        await Vendor.update(changes).where(Vendor.id == vendor_id)


async def _unique_vendor_name(name: str, vendor_id: int | None = None) -> None:
    query = Vendor.exists().where(Vendor.name == name)
    if vendor_id is not None:
        query = query.where(Vendor.id != vendor_id)
    if await query:
        raise AppError("conflict", 409, field="name", detail=name)


async def list_vendors(
    contract_sites: Iterable[int] | None,
    *,
    contracted_only: bool,
    vendor_id: int | None = None,
) -> list[VendorRead]:
    """Vendors by service, oldest first, each with its contract in force on `contract_sites` (None:
    on any site). With `contracted_only`, only vendors with a contract there. `vendor_id`
    narrows to one."""
    contracts = await _contracts(sites=contract_sites, vendor_id=vendor_id)
    query = Vendor.select().order_by(Vendor.service).order_by(Vendor.id)
    if vendor_id is not None:
        query = query.where(Vendor.id == vendor_id)
    if contracted_only:
        query = query.where(Vendor.id.is_in(sorted({c.vendor_id for c in contracts}) or [0]))
    today = await _todays(c.site_ids[0] for c in contracts)
    by_vendor: dict[int, list[ContractRead]] = {}
    for c in contracts:
        by_vendor.setdefault(c.vendor_id, []).append(c)
    return [
        msgspec.convert(
            row | {"contract": _contract_in_force(by_vendor.get(row["id"], []), today)}, VendorRead
        )
        for row in await query
    ]


def _contract_in_force(
    contracts: list[ContractRead], today: dict[int, date]
) -> ContractSummary | None:
    """The contract whose period holds today (in its first site's time zone), else the one that
    starts last."""
    if not contracts:
        return None
    in_force = [c for c in contracts if c.starts_on <= today[c.site_ids[0]] <= c.ends_on]
    chosen = max(in_force or contracts, key=lambda c: (c.starts_on, c.id))
    return ContractSummary(
        id=chosen.id,
        monthly_fee_fen=chosen.monthly_fee_fen,
        starts_on=chosen.starts_on,
        ends_on=chosen.ends_on,
        site_ids=chosen.site_ids,
    )


async def _todays(site_ids: Iterable[int]) -> dict[int, date]:
    at = now()
    return {s: at.astimezone(await site_zone(s)).date() for s in set(site_ids)}


# Contracts


async def create_contract(vendor_id: int, data: ContractCreate) -> ContractRead:
    vendor = await Vendor.select(Vendor.service).where(Vendor.id == vendor_id).first()
    if vendor is None:
        raise AppError("not_found", 404)
    site_ids = sorted(set(data.site_ids))
    known = {r["id"] for r in await Site.select(Site.id).where(Site.id.is_in(site_ids))}
    for site_id in site_ids:
        if site_id not in known:
            raise AppError("unknown_site", 404, field="site_ids", site_id=site_id)
    if data.ends_on < data.starts_on:
        raise AppError("contract_period_invalid", 400, field="ends_on")
    try:
        rule = check_rule(data.rule)
    except RuleInvalid as exc:
        raise AppError("settlement_rule_invalid", 400, field="rule") from exc
    overlapping = await ContractSite.exists().where(
        (ContractSite.contract.vendor == vendor_id)
        & ContractSite.site.is_in(site_ids)
        & (ContractSite.contract.starts_on <= data.ends_on)
        & (ContractSite.contract.ends_on >= data.starts_on)
    )
    if overlapping:
        raise AppError("contract_overlap", 409, field="starts_on")
    async with Contract._meta.db.transaction():
        rows = await Contract.insert(
            Contract(
                vendor=vendor_id,
                service=vendor["service"],
                monthly_fee_fen=data.monthly_fee_fen,
                starts_on=data.starts_on,
                ends_on=data.ends_on,
                rule=msgspec.json.encode(rule).decode(),
                created_at=now(),
            )
        ).returning(Contract.id)
        contract_id = rows[0]["id"]
        await ContractSite.insert(*(ContractSite(contract=contract_id, site=s) for s in site_ids))
    return ContractRead(
        id=contract_id,
        vendor_id=vendor_id,
        service=vendor["service"],
        site_ids=site_ids,
        monthly_fee_fen=data.monthly_fee_fen,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        rule=rule,
    )


async def list_contracts(
    vendor_id: int, visible_site_ids: Iterable[int] | None = None
) -> list[ContractRead]:
    """A vendor's contracts, latest first (only those covering a visible site, when given)."""
    contracts = await _contracts(sites=visible_site_ids, vendor_id=vendor_id)
    return sorted(contracts, key=lambda c: (c.starts_on, c.id), reverse=True)


async def _contracts(
    sites: Iterable[int] | None = None, vendor_id: int | None = None
) -> list[ContractRead]:
    """Contracts with all their sites; narrowed to those covering one of `sites` when given."""
    covered = ContractSite.select(ContractSite.contract, ContractSite.site)
    if vendor_id is not None:
        covered = covered.where(ContractSite.contract.vendor == vendor_id)
    if sites is not None:
        covered = covered.where(
            ContractSite.contract.is_in(
                [
                    r["contract"]
                    for r in await ContractSite.select(ContractSite.contract).where(
                        ContractSite.site.is_in(list(sites) or [0])
                    )
                ]
                or [0]
            )
        )
    site_ids: dict[int, list[int]] = {}
    for row in await covered.order_by(ContractSite.site):
        site_ids.setdefault(row["contract"], []).append(row["site"])
    rows = await Contract.select().where(Contract.id.is_in(list(site_ids) or [0]))
    return [
        ContractRead(
            id=row["id"],
            vendor_id=row["vendor"],
            service=row["service"],
            site_ids=site_ids[row["id"]],
            monthly_fee_fen=row["monthly_fee_fen"],
            starts_on=row["starts_on"],
            ends_on=row["ends_on"],
            rule=stored_rule(row["rule"]),
        )
        for row in rows
    ]


def stored_rule(stored: Any) -> SettlementRule:
    if isinstance(stored, str | bytes):
        return msgspec.json.decode(stored, type=SettlementRule)
    return msgspec.convert(stored, SettlementRule)


# Zones


async def create_zone(data: ZoneCreate) -> ZoneRead:
    if not await Site.exists().where(Site.id == data.site_id):
        raise AppError("unknown_site", 404, field="site_id", site_id=data.site_id)
    if await Zone.exists().where((Zone.site == data.site_id) & (Zone.name == data.name)):
        raise AppError("conflict", 409, field="name", detail=data.name)
    rows = await Zone.insert(
        Zone(site=data.site_id, kind=data.kind, name=data.name, created_at=now())
    ).returning(Zone.id)
    return ZoneRead(
        id=rows[0]["id"], site_id=data.site_id, kind=data.kind, name=data.name, active=True
    )


async def list_zones(site_id: int) -> list[ZoneRead]:
    rows = await Zone.select().where(Zone.site == site_id).order_by(Zone.kind).order_by(Zone.id)
    return [
        ZoneRead(id=r["id"], site_id=r["site"], kind=r["kind"], name=r["name"], active=r["active"])
        for r in rows
    ]


# Inspection templates


def _check_items(data: TemplateVersionCreate) -> None:
    codes: set[str] = set()
    for item in data.items:
        if item.code in codes:
            raise AppError("template_item_duplicate", 400, field="items", item_code=item.code)
        codes.add(item.code)
    total = sum(item.max_points for item in data.items)
    if total != TEMPLATE_TOTAL_POINTS:
        raise AppError("template_points_total", 400, field="items", total=total)


async def create_template_version(
    data: TemplateVersionCreate, created_by: int | None
) -> TemplateVersionRead:
    """A new version of the service's template, current from now on; the version it replaces
    is retired for new inspections and stays readable as it was."""
    _check_items(data)
    at = now()
    async with InspectionTemplate._meta.db.transaction():
        await InspectionTemplate.insert(
            InspectionTemplate(service=data.service, current_version=0, created_at=at)
        ).on_conflict(target=InspectionTemplate.service, action="DO NOTHING")
        template = (
            await InspectionTemplate.select()
            .where(InspectionTemplate.service == data.service)
            .first()
        )
        assert template is not None  # inserted just above, or there already
        current = template["current_version"]
        if data.based_on_version is not None and data.based_on_version != current:
            raise AppError("template_changed", 409, field="based_on_version")
        # Compare and set: of two editors starting from the same version, one wins.
        won = (
            await InspectionTemplate.update({InspectionTemplate.current_version: current + 1})
            .where(
                (InspectionTemplate.id == template["id"])
                & (InspectionTemplate.current_version == current)
            )
            .returning(InspectionTemplate.id)
        )
        if not won:
            raise AppError("template_changed", 409, field="based_on_version")
        await TemplateVersion.update({TemplateVersion.retired_at: at}).where(
            (TemplateVersion.template == template["id"]) & (TemplateVersion.version == current)
        )
        rows = await TemplateVersion.insert(
            TemplateVersion(
                template=template["id"],
                version=current + 1,
                name=data.name,
                critical_cap_score=data.critical_cap_score,
                created_at=at,
                created_by=created_by,
            )
        ).returning(TemplateVersion.id)
        version_id = rows[0]["id"]
        await TemplateItem.insert(
            *(
                TemplateItem(version=version_id, position=n, **msgspec.structs.asdict(item))
                for n, item in enumerate(data.items, start=1)
            )
        )
    version = await template_version(version_id)
    assert version is not None
    return version


async def current_template_version(service: str) -> TemplateVersionRead | None:
    row = (
        await TemplateVersion.select(TemplateVersion.id)
        .where(
            (TemplateVersion.template.service == service)
            & (TemplateVersion.version == TemplateVersion.template.current_version)
        )
        .first()
    )
    return await template_version(row["id"]) if row else None


async def template_version(version_id: int) -> TemplateVersionRead | None:
    """One version with its items, retired or not."""
    row = (
        await TemplateVersion.select(
            *TemplateVersion.all_columns(), TemplateVersion.template.service
        )
        .where(TemplateVersion.id == version_id)
        .first()
    )
    if row is None:
        return None
    items = (
        await TemplateItem.select()
        .where(TemplateItem.version == version_id)
        .order_by(TemplateItem.position)
    )
    return TemplateVersionRead(
        id=row["id"],
        template_id=row["template"],
        service=row["template.service"],
        version=row["version"],
        name=row["name"],
        critical_cap_score=row["critical_cap_score"],
        created_at=row["created_at"],
        retired_at=row["retired_at"],
        items=[msgspec.convert(i, TemplateItemRead) for i in items],
    )


async def list_template_versions(service: str) -> list[TemplateVersionRead]:
    """Every version of the service's template, newest first."""
    rows = await (
        TemplateVersion.select(TemplateVersion.id)
        .where(TemplateVersion.template.service == service)
        .order_by(TemplateVersion.version, ascending=False)
    )
    return [v for r in rows if (v := await template_version(r["id"])) is not None]


async def usable_template_version(version_id: int) -> TemplateVersionRead:
    """The version a NEW inspection may be made with: it exists and is not retired."""
    version = await template_version(version_id)
    if version is None:
        raise AppError("not_found", 404)
    if version.retired_at is not None:
        raise AppError("template_version_retired", 409, version=version.version)
    return version


# What an inspection is checked against


@dataclass(frozen=True)
class VendorFacts:
    id: int
    name: str
    service: str


@dataclass(frozen=True)
class ZoneFacts:
    id: int
    name: str
    kind: str


@dataclass(frozen=True)
class InspectionFacts:
    vendor: VendorFacts | None  # None: no such vendor with a contract covering the site
    zone: ZoneFacts | None  # None: no such zone at the site


async def inspection_facts(site_id: int, vendor_id: int, zone_id: int) -> InspectionFacts:
    vendor = None
    contracted = await ContractSite.exists().where(
        (ContractSite.site == site_id) & (ContractSite.contract.vendor == vendor_id)
    )
    if contracted:
        row = await Vendor.select().where(Vendor.id == vendor_id).first()
        if row is not None:
            vendor = VendorFacts(row["id"], row["name"], row["service"])
    zone_row = await Zone.select().where((Zone.id == zone_id) & (Zone.site == site_id)).first()
    zone = ZoneFacts(zone_row["id"], zone_row["name"], zone_row["kind"]) if zone_row else None
    return InspectionFacts(vendor, zone)


async def month_locked(vendor_id: int, month: str) -> bool:
    """True when a manager signed the vendor's month off."""
    return await EvaluationSignoff.exists().where(
        (EvaluationSignoff.vendor == vendor_id) & (EvaluationSignoff.month == month)
    )
