"""A vendor's monthly evaluation: SQL over the projected `inspection` and `inspection_item`
tables (approved inspections only, the month in each site's time zone), settled by the
contract's rule. A signed-off month is answered from what it was signed off as.

The figures come from two statements (the contract with its sites' zones; the month's counts
and sums in one pass), so the evaluation costs little more than a plain aggregate (bench/)."""

from __future__ import annotations

import functools
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import msgspec

from server.auth.service import names_of, now
from server.errors import AppError
from server.sites.service import site_zone, zone_named
from server.vendors.schemas import (
    EvaluatedInspection,
    EvaluationLine,
    EvaluationRead,
    Rectifications,
)
from server.vendors.service import stored_rule
from server.vendors.settlement import TWO_PLACES, SettlementRule, settle
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


def bounds_of(month: str, site_zones: Mapping[int, tzinfo]) -> list[Bounds]:
    """The month at each site: from its first midnight there to the next month's, in UTC."""
    first, after = month_dates(month)
    return [
        Bounds(
            site_id,
            datetime(first.year, first.month, 1, tzinfo=zone).astimezone(UTC),
            datetime(after.year, after.month, 1, tzinfo=zone).astimezone(UTC),
        )
        for site_id, zone in site_zones.items()
    ]


async def month_bounds(month: str, site_ids: Sequence[int]) -> list[Bounds]:
    return bounds_of(month, {s: await site_zone(s) for s in site_ids})


def _in_month(bounds: list[Bounds]) -> Any:
    """Inspections at one of the sites, made within the month there (as a Piccolo where)."""
    return functools.reduce(
        operator.or_,
        [
            (Inspection.site_id == b.site_id) & (Inspection.at >= b.start) & (Inspection.at < b.end)
            for b in bounds
        ],
    )


@dataclass(frozen=True)
class _Contract:
    id: int
    vendor_id: int
    vendor_name: str
    service: str
    monthly_fee_fen: int
    rule: SettlementRule
    site_zones: dict[int, tzinfo]
    signed: dict[str, EvaluationRead] | None  # the sign-off's evaluation, in both languages


# The contracts in force in the month (latest first) with the vendor, the sites' zones and
# the month's sign-off (what it was signed off as, or NULL).
_CONTRACT = """
SELECT c.id, c.monthly_fee_fen, c.rule, v.name, v.service, cs.site, s.timezone,
  (SELECT evaluation FROM vendor_evaluation_signoff WHERE vendor = v.id AND month = {}) AS signed
FROM vendor_contract c
JOIN vendor v ON v.id = c.vendor
JOIN vendor_contract_site cs ON cs.contract = c.id
JOIN site s ON s.id = cs.site
WHERE c.vendor = {} AND c.starts_on <= {} AND c.ends_on >= {}
ORDER BY c.starts_on DESC, c.id DESC, cs.site
"""

# The month's figures in one pass: the approved inspections' count, points, critical
# failures and rectifications (on time, late, open), and those waiting for review.
_FIGURES = """
SELECT
  SUM(CASE WHEN status = 'approved' THEN 1 ELSE 0 END) AS n,
  SUM(CASE WHEN status = 'approved' THEN score ELSE 0 END) AS points,
  SUM(CASE WHEN status = 'approved' THEN critical_failures ELSE 0 END) AS critical,
  SUM(CASE WHEN status = 'approved' THEN rect_on_time ELSE 0 END) AS on_time,
  SUM(CASE WHEN status = 'approved' THEN rect_late ELSE 0 END) AS late,
  SUM(CASE WHEN status = 'approved' THEN rect_open ELSE 0 END) AS open,
  SUM(CASE WHEN status = 'submitted' THEN 1 ELSE 0 END) AS waiting
FROM inspection WHERE vendor_id = {} AND ($month)
"""


def _month_sql(bounds: list[Bounds]) -> tuple[str, list[Any]]:
    """The month at the sites as SQL with placeholders, and their values."""
    one = "(site_id = {} AND at >= {} AND at < {})"
    return " OR ".join(one for _ in bounds), [
        v for b in bounds for v in (b.site_id, b.start, b.end)
    ]


async def _contract(vendor_id: int, month: str) -> _Contract:
    first, after = month_dates(month)
    rows = await Vendor.raw(_CONTRACT, month, vendor_id, after - timedelta(days=1), first)
    if not rows:
        if not await Vendor.exists().where(Vendor.id == vendor_id):
            raise AppError("not_found", 404)
        raise AppError("no_contract", 404, month=month)
    chosen = [r for r in rows if r["id"] == rows[0]["id"]]
    head = chosen[0]
    return _Contract(
        id=head["id"],
        vendor_id=vendor_id,
        vendor_name=head["name"],
        service=head["service"],
        monthly_fee_fen=int(head["monthly_fee_fen"]),
        rule=stored_rule(head["rule"]),
        site_zones={int(r["site"]): zone_named(r["timezone"]) for r in chosen},
        signed=_decoded(head["signed"]) if head["signed"] is not None else None,
    )


async def _figures(vendor_id: int, bounds: list[Bounds]) -> dict[str, int]:
    month, month_args = _month_sql(bounds)
    rows = await Inspection.raw(_FIGURES.replace("$month", month), vendor_id, *month_args)
    return {k: int(v or 0) for k, v in rows[0].items()}


async def evaluate(
    vendor_id: int, month: str, language: str, *, with_items: bool = False
) -> EvaluationRead:
    """The month's evaluation in the reader's language (with each approved inspection's line
    `with_items`, for the statement); 404 without a contract that month. A signed-off month
    is what it was signed off as."""
    language = "en" if language == "en" else "zh-CN"
    contract = await _contract(vendor_id, month)
    if contract.signed is not None:
        found = contract.signed[language]
        return found if with_items else msgspec.structs.replace(found, items=[])
    return (await _evaluations(contract, month, with_items=with_items))[language]


def _decoded(stored: Any) -> dict[str, EvaluationRead]:
    raw = stored if isinstance(stored, str | bytes) else msgspec.json.encode(stored)
    return msgspec.json.decode(raw, type=dict[str, EvaluationRead])


async def _evaluations(
    contract: _Contract, month: str, *, with_items: bool
) -> dict[str, EvaluationRead]:
    """The evaluation in both languages (the lines' texts differ), computed now; the
    inspection lines only `with_items` (the statement and a sign-off need them)."""
    vendor_id = contract.vendor_id
    bounds = bounds_of(month, contract.site_zones)
    figures = await _figures(vendor_id, bounds)
    n = figures["n"]
    # The average of integer totals, half up to two places: exact in Decimal.
    score = (Decimal(figures["points"]) / n).quantize(TWO_PLACES, ROUND_HALF_UP) if n else None
    rect = Rectifications(on_time=figures["on_time"], late=figures["late"], open=figures["open"])
    settlement = settle(
        contract.rule, contract.monthly_fee_fen, score, figures["critical"], rect.late
    )
    approved = (
        (Inspection.vendor_id == vendor_id) & _in_month(bounds) & (Inspection.status == "approved")
    )
    items = await _inspections(approved) if with_items else []
    return {
        language: EvaluationRead(
            vendor_id=vendor_id,
            vendor_name=contract.vendor_name,
            service=contract.service,
            month=month,
            contract_id=contract.id,
            site_ids=sorted(contract.site_zones),
            score=float(score) if score is not None else None,
            inspections=n,
            critical_failures=figures["critical"],
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
            waiting_review=figures["waiting"],
            items=[i[language] for i in items],
        )
        for language in LANGUAGES
    }


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
        contract = await _contract(vendor_id, month)
        if contract.signed is not None:
            raise AppError("evaluation_locked", 409, month=month)
        evaluations = await _evaluations(contract, month, with_items=True)
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
