"""Report exports: a month of a site with 20,000 parking transactions (one shift a day) and
2,000 vendor inspections, exported through the reports' one set of building blocks
(server/reports/documents.py). For each month report, the ledger is built once (SQL over the
projections) and then written as CSV, XLSX and PDF in turns; XLSX and PDF are given as ratios to
writing the same rows as plain CSV in the same run, alone and with the ledger's build.

`python -m bench report-exports` (SQLite); `BENCH_DB=postgres python -m bench report-exports`
on the PostgreSQL at FIELDKEEP_TEST_POSTGRES. Each time is the fastest of ROUNDS runs.

Figures (2 shared cores, busy; SQLite): writing only / with the build, XLSX and PDF against CSV
  parking_month        30 rows   XLSX 50x / 1.03x   PDF 228x / 1.16x   (build 230 ms)
  parking_day         120 rows   XLSX 15x / 1.03x   PDF 319x / 1.72x   (build 235 ms)
  cash_variance        30 rows   XLSX 20x / 1.01x   PDF 150x / 1.06x   (build 306 ms)
  vendor_inspections 2000 rows   XLSX 6.4x / 4.1x   PDF 35x / 20x      (CSV 83 ms, PDF 2.9 s)
The parking reports read the 20,000 transactions through the day report (a month is 30 day
reports); their few rows cost little in any format. The inspections ledger's 2,000 rows make 38
A4 pages: drawing each string through FreeType took 28 s, pasting each glyph (and each repeated
string) drawn once takes 2.9 s, most of the rest compressing the page bitmaps.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from bench.parking_report import _create_postgres, _drop_postgres, transaction
from server import db
from server.auth import service as auth
from server.parking.tables import Gate, ParkingShift, ParkingTransaction
from server.reports.catalog import REPORTS
from server.reports.documents import ledger_csv, ledger_pdf, ledger_xlsx
from server.reports.schemas import Ledger
from server.sites.service import SiteClock, site_clock
from server.sites.tables import Site
from server.vendors.demo import VENDORS
from server.vendors.tables import Inspection, Vendor, Zone

TRANSACTIONS = int(os.environ.get("BENCH_TRANSACTIONS", "20000"))
INSPECTIONS = int(os.environ.get("BENCH_INSPECTIONS", "2000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
FIRST, LAST = date(2026, 11, 1), date(2026, 11, 30)


async def seed() -> int:
    """One site: a gate with a closed shift a day and its fees (every 50th an exemption, every
    97th short), and the month's inspections of the demo vendors in two zones."""
    now = auth.now()
    site_id = int(
        (
            await Site.insert(
                Site(name="翠湖花园", code="bench", timezone="Asia/Shanghai", created_at=now)
            ).returning(Site.id)
        )[0]["id"]
    )
    gate_id = int(
        (
            await Gate.insert(
                Gate(site=site_id, name="东门", code="east", created_at=now)
            ).returning(Gate.id)
        )[0]["id"]
    )
    days = (LAST - FIRST).days + 1
    per_day = -(-TRANSACTIONS // days)
    shifts, rows = [], []
    for d in range(days):
        opened = datetime(2026, 11, 1, 0, 30, tzinfo=UTC) + timedelta(days=d)
        shift_id = f"shift-{d}"
        shifts.append(
            ParkingShift(
                id=shift_id,
                revision=1,
                site_id=site_id,
                gate_id=gate_id,
                cashier_id=1,
                status="approved",
                opened_at=opened,
                closed_at=opened + timedelta(hours=12),
                float_fen=26_000,
                cards_received=60,
                counted_fen=26_000 + (d % 3 - 1) * 100,
                cards_on_hand=60,
                expected_cash_fen=26_000,
                variance_fen=(d % 3 - 1) * 100,
                slip_no=f"JK{d:04d}",
                bag_no=f"TB-{d}",
            )
        )
        rows.extend(
            transaction(
                d * per_day + k, site_id, gate_id, shift_id, opened + timedelta(seconds=2 * k)
            )
            for k in range(min(per_day, TRANSACTIONS - d * per_day))
        )
    await ParkingShift.insert(*shifts)
    for i in range(0, len(rows), 1000):
        await ParkingTransaction.insert(*rows[i : i + 1000])
    vendor_ids = [
        int(
            (
                await Vendor.insert(Vendor(name=name, service=service, created_at=now)).returning(
                    Vendor.id
                )
            )[0]["id"]
        )
        for name, service, _, _ in VENDORS
    ]
    zone_ids = [
        int(
            (
                await Zone.insert(
                    Zone(site=site_id, kind="lobby", name=name, created_at=now)
                ).returning(Zone.id)
            )[0]["id"]
        )
        for name in ("1栋大堂", "地下车库")
    ]
    user = await auth.create_user(
        "bench", "bench-password", display_name="王芳", roles=["environment"]
    )
    inspections = []
    for n in range(INSPECTIONS):
        deducted = n % 5 == 0
        inspections.append(
            Inspection(
                id=str(uuid.uuid4()),
                revision=1,
                site_id=site_id,
                vendor_id=vendor_ids[n % len(vendor_ids)],
                zone_id=zone_ids[n % 2],
                template_version_id=1,
                at=datetime(2026, 11, 1, 1, tzinfo=UTC) + timedelta(minutes=20 * n),
                mode="quick",
                status="approved" if n % 7 else "submitted",
                score=96 if deducted else 100,
                deducted=4 if deducted else 0,
                critical_failures=0,
                rect_on_time=int(deducted),
                rect_late=0,
                rect_open=0,
                author_id=user,
            )
        )
    for i in range(0, len(inspections), 500):
        await Inspection.insert(*inspections[i : i + 500])
    return site_id


def fastest(write: Callable[..., Any], ledger: Ledger, clock: SiteClock) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(ROUNDS):
        start = time.perf_counter()
        result = write(ledger, "zh-CN", clock)
        best = min(best, time.perf_counter() - start)
    return best, result


async def measure(url: str, label: str) -> None:
    engine = db.engine_from_url(url)
    await db.migrate(engine)
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool()  # type: ignore[no-untyped-call]  # as the app does
    try:
        site_id = await seed()
        clock = await site_clock(site_id)
        print(
            f"report exports: a month of {TRANSACTIONS} parking transactions and {INSPECTIONS}"
            f" inspections ({label}; fastest of {ROUNDS})"
        )
        print(
            f"  {'report':<19}{'rows':>6}{'build':>10}{'CSV':>10}{'XLSX':>10}{'PDF':>10}"
            f"{'XLSX/CSV':>10}{'PDF/CSV':>9}{'  with the build':>17}"
        )
        for name in ("parking_month", "parking_day", "cash_variance", "vendor_inspections"):
            report = REPORTS[name]
            built = float("inf")
            ledger: Ledger | None = None
            for _ in range(ROUNDS):
                start = time.perf_counter()
                ledger = await report.run(site_id, "翠湖花园", FIRST, LAST, {}, "zh-CN")
                built = min(built, time.perf_counter() - start)
            assert ledger is not None
            found = ledger
            csv_s, csv_file = fastest(ledger_csv, found, clock)
            xlsx_s, _ = fastest(ledger_xlsx, found, clock)
            pdf_s, pdf = fastest(ledger_pdf, found, clock)
            assert csv_file.count(b"\n") == len(found.rows) + 1 and pdf.startswith(b"%PDF")
            print(
                f"  {name:<19}{len(found.rows):>6}{built * 1000:>8.1f}ms{csv_s * 1000:>8.1f}ms"
                f"{xlsx_s * 1000:>8.1f}ms{pdf_s * 1000:>8.1f}ms{xlsx_s / csv_s:>9.1f}x"
                f"{pdf_s / csv_s:>8.1f}x"
                f"   {(built + xlsx_s) / (built + csv_s):.2f}x"
                f" / {(built + pdf_s) / (built + csv_s):.2f}x"
            )
    finally:
        if isinstance(engine, PostgresEngine):
            await engine.close_connection_pool()  # type: ignore[no-untyped-call]


async def main() -> None:
    """SQLite, or PostgreSQL at FIELDKEEP_TEST_POSTGRES with BENCH_DB=postgres."""
    if os.environ.get("BENCH_DB", "sqlite") == "postgres":
        name = f"fieldkeep_bench_{os.getpid()}_{secrets.token_hex(3)}"
        url = await _create_postgres(name)
        try:
            await measure(url, "PostgreSQL")
        finally:
            await _drop_postgres(name)
        return
    with tempfile.TemporaryDirectory() as tmp:
        await measure(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", "SQLite")


if __name__ == "__main__":
    asyncio.run(main())
