"""Parking day report: the report for one gate's day of 20,000 transactions (the shift's rows
in the typed projections, as pushes leave them), against a plain SQL GROUP BY of the same rows
(count and sum per method) on the same database. The report does more (receipts per line,
exemptions, variances, voids, shifts); the ratio says what that costs. Issue 16's target: <= 3x.

`python -m bench parking-report` (SQLite); `BENCH_DB=postgres python -m bench parking-report`
on the PostgreSQL at FIELDKEEP_TEST_POSTGRES. Each is the fastest of 7 runs taken in turns.

Figures (2 shared cores, busy; before and after timed in one process, same JSON answer;
two runs each):
  SQLite      before 162.8 / 145.6 ms = 13.1x / 11.4x, after 34.5 / 36.7 ms = 2.8x / 2.9x
  PostgreSQL  before 105.2 / 81.6 ms = 17.3x / 13.2x, after 32.8 / 30.3 ms = 5.4x / 4.9x
This bench alone: SQLite 31.0 ms vs 11.2 ms = 2.8x; PostgreSQL 29.1 ms vs 6.2 ms = 4.7x.
Before, the report loaded every entry into Python; now the database groups the lines and
joins their receipts, and only voids and variances come back one by one. On PostgreSQL the
receipts are ordered inside string_agg (the database's collation, as before), which is most of
what is left over the plain GROUP BY."""

from __future__ import annotations

import asyncio
import os
import secrets
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from piccolo.engine.postgres import PostgresEngine

from server import db
from server.auth import service
from server.parking.report import day_report
from server.parking.tables import Gate, ParkingShift, ParkingTransaction
from server.sites.tables import Site

TRANSACTIONS = int(os.environ.get("BENCH_TRANSACTIONS", "20000"))
ROUNDS = 7
POSTGRES_ADMIN_URL = os.environ.get(
    "FIELDKEEP_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
DAY = date(2026, 12, 6)
METHODS = ("cash", "wechat", "alipay", "card")


def transaction(
    i: int, site_id: int, gate_id: int, shift_id: str, exit_at: datetime
) -> ParkingTransaction:
    """The i-th car of a bench shift: every 50th exempt, every 97th a yuan short, the four
    payment methods in turn."""
    exempt = i % 50 == 0
    return ParkingTransaction(
        id=f"t{i}",
        revision=i + 2,
        site_id=site_id,
        gate_id=gate_id,
        shift_id=shift_id,
        cashier_id=1,
        receipt_no=f"A00-{i + 1:06d}",
        kind="exemption" if exempt else "fee",
        plate=f"浙A·{i:05d}",
        vehicle_class="small",
        entry_at=exit_at - timedelta(hours=2),
        exit_at=exit_at,
        fee_fen=700,
        amount_fen=0 if exempt else 700 - (100 if i % 97 == 0 else 0),
        method=None if exempt else METHODS[i % 4],
        variance_reason="找零不足" if i % 97 == 0 else None,
        exemption_reason="police" if exempt else None,
        recorded_at=exit_at,
    )


async def seed(site_id: int, gate_id: int) -> str:
    opened = datetime(2026, 12, 6, 0, 5, tzinfo=UTC)
    shift_id = "bench-shift"
    await ParkingShift.insert(
        ParkingShift(
            id=shift_id,
            revision=1,
            site_id=site_id,
            gate_id=gate_id,
            cashier_id=1,
            status="closed",
            opened_at=opened,
            closed_at=opened + timedelta(hours=12),
            float_fen=26_000,
            cards_received=60,
            counted_fen=26_000,
            cards_on_hand=60,
            expected_cash_fen=26_000,
            variance_fen=0,
            slip_no="BENCH20261206-001",
            bag_no="TB-1",
        )
    )
    rows = [
        transaction(i, site_id, gate_id, shift_id, opened + timedelta(seconds=2 * i))
        for i in range(TRANSACTIONS)
    ]
    for i in range(0, len(rows), 1000):
        await ParkingTransaction.insert(*rows[i : i + 1000])
    return shift_id


async def best(runs: dict[str, Callable[[], Awaitable[Any]]]) -> dict[str, tuple[float, Any]]:
    """The fastest of ROUNDS runs of each, taken in turns so a busy machine slows both alike."""
    fastest: dict[str, tuple[float, Any]] = {name: (float("inf"), None) for name in runs}
    for _ in range(ROUNDS):
        for name, run in runs.items():
            start = time.perf_counter()
            result = await run()
            fastest[name] = (min(fastest[name][0], time.perf_counter() - start), result)
    return fastest


async def _create_postgres(name: str, admin_url: str = POSTGRES_ADMIN_URL) -> str:
    conn = await asyncpg.connect(admin_url, timeout=10)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return admin_url.rsplit("/", 1)[0] + "/" + name


async def _drop_postgres(name: str, admin_url: str = POSTGRES_ADMIN_URL) -> None:
    conn = await asyncpg.connect(admin_url, timeout=10)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def measure(url: str, label: str) -> None:
    engine = db.engine_from_url(url)
    await db.migrate(engine)
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool()  # type: ignore[no-untyped-call]  # as the app does
    try:
        rows = await Site.insert(
            Site(name="基准", code="bench", timezone="UTC", created_at=service.now())
        ).returning(Site.id)
        site_id = int(rows[0]["id"])
        gates = await Gate.insert(
            Gate(site=site_id, name="东门", code="east", created_at=service.now())
        ).returning(Gate.id)
        shift_id = await seed(site_id, int(gates[0]["id"]))

        async def group_by() -> Any:
            return await ParkingTransaction.raw(
                "SELECT gate_id, method, COUNT(*) AS n, SUM(amount_fen) AS fen"
                " FROM parking_transaction WHERE shift_id = {} GROUP BY gate_id, method",
                shift_id,
            )

        times = await best({"plain": group_by, "report": lambda: day_report(site_id, DAY)})
    finally:
        if isinstance(engine, PostgresEngine):
            await engine.close_connection_pool()  # type: ignore[no-untyped-call]
    (plain_s, plain), (report_s, report) = times["plain"], times["report"]
    assert report.total_fen == sum(int(r["fen"] or 0) for r in plain)
    receipts = sum(len(m.receipts) for m in report.methods)
    assert receipts + report.exemption_count == TRANSACTIONS
    print(f"parking day report: one gate, {TRANSACTIONS} transactions ({label})")
    print(f"  day report (JSON model, receipts per line): {report_s * 1000:8.1f} ms")
    print(f"  plain SQL GROUP BY method:                   {plain_s * 1000:8.1f} ms")
    print(f"  ratio report/GROUP BY: {report_s / plain_s:.1f}x")


async def main() -> None:
    """SQLite, or PostgreSQL at FIELDKEEP_TEST_POSTGRES with BENCH_DB=postgres (one database per
    run: a migration module keeps the engine it was first imported with)."""
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
