"""A vendor's monthly evaluation: SQL over the projected `inspection` and `inspection_item`
tables (approved inspections only, the month in each site's time zone), settled by the
contract's rule. A signed-off month is answered from what it was signed off as."""

from __future__ import annotations

import functools
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import msgspec
from piccolo.columns.combination import WhereRaw
from piccolo.query.functions.aggregate import Count, Sum

from server.auth.service import names_of, now
from server.errors import AppError
from server.sites.service import site_zone
from server.vendors.schemas import (
    EvaluatedInspection,
    EvaluationLine,
    EvaluationRead,
    Rectifications,
)
from server.vendors.service import list_contracts
from server.vendors.settlement import TWO_PLACES, settle
from server.vendors.tables import (
    EvaluationSignoff,
    Inspection,
    InspectionItem,
    TemplateItem,
    Vendor,
    Zone,
)

LANGUAGES = ("zh-CN", "en")


@dataclass(frozen=True)
class Bounds:
    """The month at one site: [start, end) in UTC."""

    site_id: int
    start: datetime
    end: datetime


def month_dates(month: str) -> tuple[date, date]:
    """The first day of the month and of the next."""
    year, number = int(month[:4]), int(month[5:7])
    first = date(year, number, 1)
    return first, (first + timedelta(days=31)).replace(day=1)


async def month_bounds(month: str, site_ids: Sequence[int]) -> list[Bounds]:
    first, after = month_dates(month)
    bounds = []
    for site_id in site_ids:
        zone = await site_zone(site_id)
        start = datetime(first.year, first.month, 1, tzinfo=zone).astimezone(UTC)
        end = datetime(after.year, after.month, 1, tzinfo=zone).astimezone(UTC)
        bounds.append(Bounds(site_id, start, end))
    return bounds


def _in_month(bounds: list[Bounds]) -> Any:
    """Approved inspections at one of the sites, made within the month there."""
    return functools.reduce(
        operator.or_,
        [
            (Inspection.site_id == b.site_id) & (Inspection.at >= b.start) & (Inspection.at < b.end)
            for b in bounds
        ],
    )


async def evaluate(vendor_id: int, month: str, language: str) -> EvaluationRead:
    """The month's evaluation in the reader's language; 404 without a contract that month."""
    signed = await _signed_off(vendor_id, month)
    if signed is not None:
        return signed[language if language in signed else "zh-CN"]
    return (await _evaluations(vendor_id, month))[language if language == "en" else "zh-CN"]


async def _signed_off(vendor_id: int, month: str) -> dict[str, EvaluationRead] | None:
    row = await (
        EvaluationSignoff.select(EvaluationSignoff.evaluation)
        .where((EvaluationSignoff.vendor == vendor_id) & (EvaluationSignoff.month == month))
        .first()
    )
    if row is None:
        return None
    stored = row["evaluation"]
    raw = stored if isinstance(stored, str | bytes) else msgspec.json.encode(stored)
    return msgspec.json.decode(raw, type=dict[str, EvaluationRead])


async def _evaluations(vendor_id: int, month: str) -> dict[str, EvaluationRead]:
    """The evaluation in both languages (the lines' texts differ), computed now."""
    vendor = await Vendor.select().where(Vendor.id == vendor_id).first()
    if vendor is None:
        raise AppError("not_found", 404)
    first, after = month_dates(month)
    last = after - timedelta(days=1)
    contracts = [
        c for c in await list_contracts(vendor_id) if c.starts_on <= last and c.ends_on >= first
    ]
    if not contracts:
        raise AppError("no_contract", 404, month=month)
    contract = contracts[0]  # latest first
    bounds = await month_bounds(month, contract.site_ids)
    in_month = (Inspection.vendor_id == vendor_id) & _in_month(bounds)
    approved = in_month & (Inspection.status == "approved")

    totals = await Inspection.select(
        Count(alias="n"),
        Sum(Inspection.score, alias="points"),
        Sum(Inspection.critical_failures, alias="critical"),
    ).where(approved)
    n = int(totals[0]["n"] or 0)
    points = int(totals[0]["points"] or 0)
    critical = int(totals[0]["critical"] or 0)
    waiting = await Inspection.count().where(in_month & (Inspection.status == "submitted"))
    rect = await _rectifications(approved)
    # The average of integer totals, half up to two places: exact in Decimal.
    score = (Decimal(points) / n).quantize(TWO_PLACES, rounding=ROUND_HALF_UP) if n else None
    settlement = settle(contract.rule, contract.monthly_fee_fen, score, critical, rect.late)
    items = await _inspections(approved)
    return {
        language: EvaluationRead(
            vendor_id=vendor_id,
            vendor_name=vendor["name"],
            service=vendor["service"],
            month=month,
            contract_id=contract.id,
            site_ids=contract.site_ids,
            score=float(score) if score is not None else None,
            inspections=n,
            critical_failures=critical,
            late_rectifications=rect.late,
            rectifications=rect,
            monthly_fee_fen=contract.monthly_fee_fen,
            lines=[
                EvaluationLine(text=line.text(language), fen=line.fen) for line in settlement.lines
            ],
            deduction_fen=settlement.deduction_fen,
            payable_fen=settlement.payable_fen,
            locked=False,
            signed_by=None,
            signed_at=None,
            waiting_review=waiting,
            items=[i[language] for i in items],
        )
        for language in LANGUAGES
    }


async def _rectifications(approved: Any) -> Rectifications:
    """The deductions of approved inspections: verified by the deadline, after it, or not yet."""
    ids = Inspection.select(Inspection.id).where(approved)
    raised = (InspectionItem.inspection_id.is_in(ids)) & (InspectionItem.finding_id.is_not_null())
    open_ = await InspectionItem.count().where(raised & InspectionItem.rectified_at.is_null())
    late = await InspectionItem.count().where(raised & WhereRaw('"rectified_at" > "due_at"'))
    on_time = await InspectionItem.count().where(raised & WhereRaw('"rectified_at" <= "due_at"'))
    return Rectifications(on_time=on_time, late=late, open=open_)


async def _inspections(approved: Any) -> list[dict[str, EvaluatedInspection]]:
    """Each approved inspection of the month with its deductions, oldest first."""
    rows = await (
        Inspection.select(
            Inspection.id,
            Inspection.site_id,
            Inspection.at,
            Inspection.zone_id,
            Inspection.score,
            Inspection.critical_failures,
            Inspection.author_id,
        )
        .where(approved)
        .order_by(Inspection.at)
        .order_by(Inspection.id)
    )
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    deductions = await (
        InspectionItem.select(
            InspectionItem.inspection_id,
            InspectionItem.item_id,
            InspectionItem.points_deducted,
            InspectionItem.reason,
            InspectionItem.photos,
        )
        .where(InspectionItem.inspection_id.is_in(ids) & (InspectionItem.points_deducted > 0))
        .order_by(InspectionItem.item_id)
    )
    labels = {
        r["id"]: (r["label_zh"], r["label_en"])
        for r in await TemplateItem.select(
            TemplateItem.id, TemplateItem.label_zh, TemplateItem.label_en
        ).where(TemplateItem.id.is_in(sorted({d["item_id"] for d in deductions}) or [0]))
    }
    zones = {
        r["id"]: r["name"]
        for r in await Zone.select(Zone.id, Zone.name).where(
            Zone.id.is_in(sorted({r["zone_id"] for r in rows if r["zone_id"]}) or [0])
        )
    }
    names = await names_of(r["author_id"] for r in rows if r["author_id"])
    by_inspection: dict[str, list[dict[str, Any]]] = {}
    for d in deductions:
        by_inspection.setdefault(d["inspection_id"], []).append(d)
    out = []
    for r in rows:
        found = by_inspection.get(r["id"], [])
        photos = [h for d in found for h in d["photos"].split()]
        out.append(
            {
                language: EvaluatedInspection(
                    id=r["id"],
                    site_id=r["site_id"],
                    at=r["at"],
                    zone=zones.get(r["zone_id"], ""),
                    inspector=names.get(r["author_id"], ""),
                    score=r["score"],
                    critical_failures=r["critical_failures"],
                    deductions=[
                        _deduction(labels.get(d["item_id"], ("", "")), d, language) for d in found
                    ],
                    photos=photos,
                )
                for language in LANGUAGES
            }
        )
    return out


def _deduction(label: tuple[str, str], d: dict[str, Any], language: str) -> str:
    text = label[1] if language == "en" else label[0]
    said = f": {d['reason']}" if language == "en" else f"：{d['reason']}"
    return f"{text} −{d['points_deducted']}" + (said if d["reason"] else "")


async def sign_off(vendor_id: int, month: str, user_id: int, name: str) -> None:
    """Locks the month as it evaluates now. Refused while it is signed off already
    (`evaluation_locked`) or while an inspection of it waits for review
    (`inspection_not_approved`)."""
    async with EvaluationSignoff._meta.db.transaction():
        if await _signed_off(vendor_id, month) is not None:
            raise AppError("evaluation_locked", 409, month=month)
        evaluations = await _evaluations(vendor_id, month)
        waiting = evaluations["zh-CN"].waiting_review
        if waiting:
            raise AppError("inspection_not_approved", 409, count=waiting)
        at = now()
        signed = {
            language: msgspec.structs.replace(e, locked=True, signed_by=name, signed_at=at)
            for language, e in evaluations.items()
        }
        await EvaluationSignoff.insert(
            EvaluationSignoff(
                vendor=vendor_id,
                month=month,
                evaluation=msgspec.json.encode(signed).decode(),
                signed_by=user_id,
                signed_at=at,
            )
        )
