"""Vendor evaluation: the month's evaluation of 6 vendors over 3 sites × 30 days × 10 inspections
a day each (5,400 approved inspections in the projected tables, SQLite) as a ratio to a plain SQL
aggregate over the same rows (target: ≤ 3×); and a 300-line statement PDF."""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from server import db
from server.auth import service as auth
from server.settings import Settings
from server.sites.tables import Site
from server.vendors import evaluation, statement
from server.vendors import service as vendors
from server.vendors.demo import TEMPLATES, VENDORS
from server.vendors.schemas import (
    ContractCreate,
    EvaluatedInspection,
    EvaluationRead,
    TemplateItemCreate,
    TemplateVersionCreate,
    VendorCreate,
    ZoneCreate,
)
from server.vendors.settlement import DEMO_RULE
from server.vendors.tables import Inspection, InspectionItem

SITES, DAYS, PER_DAY = 3, 30, 10
MONTH = "2026-11"
ROUNDS = 5


async def seed() -> list[int]:
    """Sites, the demo templates and vendors with contracts on all sites, and the approved
    inspections (one item line each, every fifth with a deduction) of November 2026."""
    site_ids = []
    for n in range(SITES):
        rows = await Site.insert(
            Site(name=f"项目{n}", code=f"s{n}", created_at=auth.now())
        ).returning(Site.id)
        site_ids.append(int(rows[0]["id"]))
    user = await auth.create_user(
        "bench", "bench-password", display_name="王芳", roles=["environment"]
    )
    items: dict[str, list[int]] = {}
    for service_name, (name, cap, template) in TEMPLATES.items():
        version = await vendors.create_template_version(
            TemplateVersionCreate(
                service=service_name,
                name=name,
                critical_cap_score=cap,
                items=[
                    TemplateItemCreate(code=c, label_zh=zh, label_en=en, max_points=p)
                    for c, zh, en, p, *_ in template
                ],
            ),
            None,
        )
        items[service_name] = [i.id for i in version.items]
    zones = [
        (await vendors.create_zone(ZoneCreate(site_id=s, kind="lobby", name="1栋大堂"))).id
        for s in site_ids
    ]
    vendor_ids = []
    for name, service_name, _, fee in VENDORS:
        vendor = await vendors.create_vendor(VendorCreate(name=name, service=service_name))
        await vendors.create_contract(
            vendor.id,
            ContractCreate(
                site_ids=site_ids,
                monthly_fee_fen=fee * 100,
                starts_on=date(2026, 1, 1),
                ends_on=date(2026, 12, 31),
                rule=DEMO_RULE,
            ),
        )
        vendor_ids.append(vendor.id)
    start = datetime(2026, 11, 1, 1, tzinfo=UTC)
    inspections: list[Inspection] = []
    lines: list[InspectionItem] = []
    for v, (vendor_id, (_, service_name, _, _)) in enumerate(zip(vendor_ids, VENDORS, strict=True)):
        for s, site_id in enumerate(site_ids):
            for day in range(DAYS):
                for k in range(PER_DAY):
                    at = start + timedelta(days=day, minutes=30 * k)
                    inspection_id = str(uuid.uuid4())
                    deducted = (k + day + v + s) % 5 == 0
                    inspections.append(
                        Inspection(
                            id=inspection_id,
                            revision=1,
                            site_id=site_id,
                            vendor_id=vendor_id,
                            zone_id=zones[s],
                            template_version_id=1,
                            at=at,
                            mode="quick",
                            status="approved",
                            score=98 if deducted else 100,
                            deducted=2 if deducted else 0,
                            critical_failures=0,
                            rect_on_time=int(deducted and k <= 4),
                            rect_late=int(deducted and k > 4),
                            rect_open=0,
                            author_id=user,
                        )
                    )
                    lines.append(
                        InspectionItem(
                            id=str(uuid.uuid4()),
                            revision=1,
                            inspection_id=inspection_id,
                            site_id=site_id,
                            vendor_id=vendor_id,
                            item_id=items[service_name][k % 5],
                            code="x",
                            points_deducted=2 if deducted else 0,
                            critical=False,
                            reason="地面有垃圾" if deducted else "",
                            photos="",
                            finding_id=str(uuid.uuid4()) if deducted else None,
                            due_at=at + timedelta(hours=24) if deducted else None,
                            rectified_at=at + timedelta(hours=20 + k) if deducted else None,
                        )
                    )
    for i in range(0, len(inspections), 500):
        await Inspection.insert(*inspections[i : i + 500])
        await InspectionItem.insert(*lines[i : i + 500])
    return vendor_ids


PLAIN = (
    "SELECT count(*), sum(score), sum(critical_failures) FROM inspection"
    " WHERE vendor_id = {} AND status = 'approved' AND at >= {} AND at < {}"
)


async def timed(run: Any) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.perf_counter()
        await run()
        best = min(best, time.perf_counter() - start)
    return best


def statement_of(lines: int) -> EvaluationRead:
    at = datetime(2026, 11, 1, 2, tzinfo=UTC)
    return EvaluationRead(
        vendor_id=1,
        vendor_name="杭州洁美物业保洁有限公司",
        service="cleaning",
        month=MONTH,
        contract_id=1,
        site_ids=[1],
        score=97.25,
        inspections=lines,
        critical_failures=0,
        late_rectifications=1,
        rectifications=evaluation.Rectifications(on_time=3, late=1, open=0),
        monthly_fee_fen=8_600_000,
        lines=[],
        deduction_fen=0,
        payable_fen=8_600_000,
        locked=False,
        signed_by=None,
        signed_at=None,
        waiting_review=0,
        items=[
            EvaluatedInspection(
                id=str(n),
                site_id=1,
                at=at + timedelta(hours=2 * n),
                zone="1栋大堂",
                inspector="王芳",
                score=98,
                critical_failures=0,
                deductions=["大堂地面、墙面、玻璃门洁净无污渍 −2：玻璃门有指印"],
                photos=[],
            )
            for n in range(lines)
        ],
    )


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        settings = Settings.from_env(
            {
                "FIELDKEEP_DATA_DIR": str(folder / "data"),
                "FIELDKEEP_DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
            }
        )
        engine = db.engine_from_url(settings.database.url)
        await db.migrate(engine)
        vendor_ids = await seed()
        bounds = await evaluation.month_bounds(MONTH, [1])

        async def ours() -> None:
            for vendor_id in vendor_ids:
                found = await evaluation.evaluate(vendor_id, MONTH, "zh-CN")
                assert found.inspections == SITES * DAYS * PER_DAY

        async def plain() -> None:
            for vendor_id in vendor_ids:
                rows = await Inspection.raw(
                    PLAIN, vendor_id, bounds[0].start, bounds[0].end + timedelta(days=1)
                )
                assert rows[0]["count(*)"] == SITES * DAYS * PER_DAY, rows

        ours_s = await timed(ours)
        plain_s = await timed(plain)
        pdf_statement = statement_of(300)
        start = time.perf_counter()
        pdf = await statement.pdf(pdf_statement)
        pdf_s = time.perf_counter() - start
    rows = len(vendor_ids) * SITES * DAYS * PER_DAY
    print(f"vendor evaluation: {len(vendor_ids)} vendors' month over {rows} approved inspections")
    print(f"  ours (evaluate: contract, figures, rule):  {ours_s * 1000:8.1f} ms")
    print(f"  plain SQL aggregate (count, sum):          {plain_s * 1000:8.1f} ms")
    print(f"  ratio ours/plain: {ours_s / plain_s:.1f}x (target ≤ 3x)")
    print(f"statement PDF: 300 inspection lines, {pdf_s:.2f} s, {len(pdf) / 1024:.0f} KB")


if __name__ == "__main__":
    asyncio.run(main())
