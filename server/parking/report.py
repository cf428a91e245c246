"""The parking day report: SQL over the typed projections `parking_shift` and
`parking_transaction`. A day is the site's own calendar day; the report covers the shifts opened
on it (a shift's takings stay together, even past midnight) and every entry of those shifts."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from piccolo.engine.postgres import PostgresEngine
from piccolo.query.functions.aggregate import Sum

from server.auth.service import names_of
from server.parking.schemas import (
    DayReport,
    ExemptionLine,
    GateReport,
    MethodLine,
    ReportShift,
    VarianceLine,
    VoidLine,
)
from server.parking.tables import ExemptionReason, Gate, ParkingShift, ParkingTransaction
from server.sites.service import SiteClock, site_clock
from server.sites.tables import Site

METHODS = ("cash", "wechat", "alipay", "card")
T = ParkingTransaction


async def _shifts(site_id: int, clock: SiteClock, day: date) -> list[dict[str, Any]]:
    start, end = clock.days(day, day)
    return list(
        await ParkingShift.select()
        .where(
            (ParkingShift.site_id == site_id)
            & (ParkingShift.opened_at >= start)
            & (ParkingShift.opened_at < end)
        )
        .order_by(ParkingShift.gate_id)
        .order_by(ParkingShift.opened_at)
    )


async def _voided(shift_ids: list[str]) -> set[str]:
    rows = await T.select(T.voids).where(T.shift_id.is_in(shift_ids) & (T.kind == "void"))
    return {r["voids"] for r in rows if r["voids"]}


def _is_postgres() -> bool:
    return isinstance(T._meta.db, PostgresEngine)


def _in(values: list[str]) -> str:
    return ", ".join("{}" for _ in values)


def _lines_sql(shift_ids: list[str]) -> str:
    """The report's lines in one GROUP BY: per gate, the fees by method and the other entries
    by exemption reason, each with its count, fen, waived fen and receipts; voided entries are
    taken out afterwards (the few voids are read anyway, and a NOT IN would read every entry
    once more). Loading every entry into Python cost 14x the plain GROUP BY (issue 16)."""
    # Receipt numbers have no spaces (ReceiptNo), so one string per line splits back exactly.
    if _is_postgres():
        receipts = "string_agg(receipt_no, ' ' ORDER BY receipt_no)"
    else:  # no ORDER BY inside an aggregate before SQLite 3.44: sorted in Python
        receipts = "group_concat(receipt_no, ' ')"
    return (
        # Only "{}" placeholders and a fixed aggregate are formatted in; values are bound.
        "SELECT gate_id, CASE WHEN kind = 'fee' THEN 1 ELSE 0 END AS is_fee,"  # noqa: S608
        " CASE WHEN kind = 'fee' THEN method ELSE COALESCE(exemption_reason, '') END AS line,"
        f" COUNT(*) AS n, SUM(amount_fen) AS fen, SUM(fee_fen) AS fee, {receipts} AS receipts"
        f" FROM parking_transaction WHERE shift_id IN ({_in(shift_ids)}) AND kind <> 'void'"
        " GROUP BY 1, 2, 3"
    )


def _line_of(entry: dict[str, Any]) -> tuple[int, int, str | None]:
    """The line an entry is counted in, as `_lines_sql` groups it."""
    if entry["kind"] == "fee":
        return entry["gate_id"], 1, entry["method"]
    return entry["gate_id"], 0, entry["exemption_reason"] or ""


def _receipts(joined: str | None, voided: set[str]) -> list[str]:
    numbers = joined.split(" ") if joined else []
    if voided:
        numbers = [n for n in numbers if n not in voided]
    # SQLite's BINARY collation orders as Python does; PostgreSQL ordered them already.
    return numbers if _is_postgres() else sorted(numbers)


async def _cash_of_shifts(shift_ids: list[str]) -> dict[str, int]:
    """Shift -> cash fees, voided ones included (taken out by the caller)."""
    rows = await (
        T.select(T.shift_id, Sum(T.amount_fen, alias="fen"))
        .where(T.shift_id.is_in(shift_ids) & (T.kind == "fee") & (T.method == "cash"))
        .group_by(T.shift_id)
    )
    return {r["shift_id"]: int(r["fen"] or 0) for r in rows}


_DETAIL = (
    "SELECT id, gate_id, shift_id, receipt_no, kind, plate, fee_fen, amount_fen, method,"
    " variance_reason, exemption_reason, voids, reason FROM parking_transaction"
)


async def _details(shift_ids: list[str]) -> list[dict[str, Any]]:
    """The few entries the report names one by one: voids and fees collected at another amount
    than the tariff's (voided or not); by receipt number."""
    sql = (
        f"{_DETAIL} WHERE shift_id IN ({_in(shift_ids)})"
        " AND (kind = 'void' OR (kind = 'fee' AND amount_fen <> fee_fen)) ORDER BY receipt_no"
    )
    return list(await T.raw(sql, *shift_ids))


async def _entries(shift_ids: list[str], ids: list[str]) -> list[dict[str, Any]]:
    """The entries of the shifts with these ids (by primary key: the voided ones)."""
    sql = f"{_DETAIL} WHERE id IN ({_in(ids)}) AND shift_id IN ({_in(shift_ids)})"
    return list(await T.raw(sql, *ids, *shift_ids))


async def day_report(site_id: int, day: date) -> DayReport:
    # One read transaction: its queries share a connection (Piccolo's SQLite engine opens one
    # per query otherwise, which cost more than the report's SQL) and see the same ledger.
    async with T._meta.db.transaction():
        return await _day_report(site_id, day)


async def _day_report(site_id: int, day: date) -> DayReport:
    clock = await site_clock(site_id)
    site = await Site.select(Site.name).where(Site.id == site_id).first()
    shifts = await _shifts(site_id, clock, day)
    shift_ids = [s["id"] for s in shifts]
    lines: list[dict[str, Any]] = []
    details: list[dict[str, Any]] = []
    voided_entries: list[dict[str, Any]] = []
    cash_of_shift: dict[str, int] = defaultdict(int)
    if shift_ids:
        lines = list(await T.raw(_lines_sql(shift_ids), *shift_ids))
        details = await _details(shift_ids)
        targets = {e["voids"] for e in details if e["kind"] == "void" and e["voids"]}
        if targets:
            voided_entries = await _entries(shift_ids, sorted(targets))
        cash_of_shift.update(await _cash_of_shifts(shift_ids))
    voided = {e["id"] for e in voided_entries}
    receipt_of = {e["id"]: e["receipt_no"] for e in voided_entries}
    kind_of = {e["id"]: e["kind"] for e in voided_entries}
    gate_rows = await Gate.select(Gate.id, Gate.name).where(Gate.site == site_id)
    gate_names = {r["id"]: r["name"] for r in gate_rows}
    reason_rows = await ExemptionReason.select(ExemptionReason.code, ExemptionReason.name_zh).where(
        ExemptionReason.site == site_id
    )
    reason_names = {r["code"]: r["name_zh"] for r in reason_rows}
    names = await names_of(
        [s["cashier_id"] for s in shifts]
        + [s["next_cashier_id"] for s in shifts if s["next_cashier_id"]]
    )

    # A voided entry is still a transaction of its gate, but out of its line and its takings.
    out: dict[tuple[int, int, str | None], tuple[int, int, int, set[str]]] = {}
    for e in voided_entries:
        if e["kind"] == "void":
            continue
        key = _line_of(e)
        n, fen, fee, numbers = out.get(key, (0, 0, 0, set()))
        out[key] = (n + 1, fen + e["amount_fen"], fee + e["fee_fen"], numbers | {e["receipt_no"]})
        if e["kind"] == "fee" and e["method"] == "cash":
            cash_of_shift[e["shift_id"]] -= e["amount_fen"]
    totals: dict[tuple[int, str], tuple[int, int]] = {}
    receipts: dict[tuple[int, str], list[str]] = {}
    exemptions: dict[tuple[int, str], tuple[int, int, list[str]]] = {}
    count: dict[int, int] = defaultdict(int)
    for row in lines:
        gate, line, all_n = row["gate_id"], row["line"], int(row["n"])
        count[gate] += all_n
        key = (gate, 1 if row["is_fee"] else 0, line)
        less_n, less_fen, less_fee, less = out.get(key, (0, 0, 0, set()))
        n = all_n - less_n
        fen, fee = int(row["fen"] or 0) - less_fen, int(row["fee"] or 0) - less_fee
        if row["is_fee"]:
            totals[(gate, line)] = (n, fen)
            receipts[(gate, line)] = _receipts(row["receipts"], less)
        elif n:
            exemptions[(gate, line)] = (n, fee, _receipts(row["receipts"], less))
    variances: dict[int, list[VarianceLine]] = defaultdict(list)
    voids: dict[int, list[VoidLine]] = defaultdict(list)
    for e in details:
        gate = e["gate_id"]
        if e["kind"] == "void":
            count[gate] += 1
            voids[gate].append(
                VoidLine(
                    receipt_no=e["receipt_no"],
                    voids_receipt_no=receipt_of.get(e["voids"], ""),
                    kind=kind_of.get(e["voids"], ""),
                    method=e["method"],
                    amount_fen=e["amount_fen"],
                    reason=e["reason"] or "",
                )
            )
        elif e["id"] not in voided:
            variances[gate].append(
                VarianceLine(
                    receipt_no=e["receipt_no"],
                    plate=e["plate"],
                    fee_fen=e["fee_fen"],
                    amount_fen=e["amount_fen"],
                    difference_fen=e["amount_fen"] - e["fee_fen"],
                    reason=e["variance_reason"] or "",
                )
            )

    gates: list[GateReport] = []
    for gate in sorted({s["gate_id"] for s in shifts}):
        methods = [
            MethodLine(
                method=m,
                count=totals.get((gate, m), (0, 0))[0],
                amount_fen=totals.get((gate, m), (0, 0))[1],
                receipts=receipts.get((gate, m), []),
            )
            for m in METHODS
        ]
        gate_shifts = [s for s in shifts if s["gate_id"] == gate]
        closed = [s for s in gate_shifts if s["counted_fen"] is not None]
        gates.append(
            GateReport(
                gate_id=gate,
                gate_name=gate_names.get(gate, str(gate)),
                transactions=count[gate],
                methods=methods,
                total_fen=sum(m.amount_fen for m in methods),
                exemptions=[
                    ExemptionLine(
                        reason=reason,
                        reason_name=reason_names.get(reason, reason),
                        count=n,
                        waived_fen=waived,
                        receipts=items,
                    )
                    for (g, reason), (n, waived, items) in sorted(exemptions.items())
                    if g == gate
                ],
                variances=variances[gate],
                voids=voids[gate],
                shifts=[
                    ReportShift(
                        id=s["id"],
                        cashier_id=s["cashier_id"],
                        cashier=names.get(s["cashier_id"], f"#{s['cashier_id']}"),
                        status=s["status"],
                        opened_at=clock.printed(s["opened_at"]),
                        closed_at=clock.printed(s["closed_at"]) if s["closed_at"] else None,
                        slip_no=s["slip_no"],
                        bag_no=s["bag_no"],
                        float_fen=s["float_fen"],
                        cash_fen=cash_of_shift.get(s["id"], 0),
                        expected_cash_fen=s["expected_cash_fen"],
                        counted_fen=s["counted_fen"],
                        variance_fen=s["variance_fen"],
                        cards_received=s["cards_received"],
                        cards_on_hand=s["cards_on_hand"],
                        handover_to=names.get(s["next_cashier_id"])
                        if s["next_cashier_id"]
                        else None,
                    )
                    for s in gate_shifts
                ],
                cash_expected_fen=sum(s["expected_cash_fen"] or 0 for s in closed),
                cash_counted_fen=sum(s["counted_fen"] or 0 for s in closed),
                cash_variance_fen=sum(s["variance_fen"] or 0 for s in closed),
                cards_received=sum(s["cards_received"] for s in gate_shifts),
                cards_on_hand=sum(s["cards_on_hand"] or 0 for s in closed),
            )
        )
    site_methods = [
        MethodLine(
            method=m,
            count=sum(g.methods[i].count for g in gates),
            amount_fen=sum(g.methods[i].amount_fen for g in gates),
            receipts=[r for g in gates for r in g.methods[i].receipts],
        )
        for i, m in enumerate(METHODS)
    ]
    return DayReport(
        site_id=site_id,
        site_name=str(site["name"]) if site else "",
        date=day.isoformat(),
        gates=gates,
        methods=site_methods,
        total_fen=sum(g.total_fen for g in gates),
        exemption_count=sum(x.count for g in gates for x in g.exemptions),
        waived_fen=sum(x.waived_fen for g in gates for x in g.exemptions),
        cash_expected_fen=sum(g.cash_expected_fen for g in gates),
        cash_counted_fen=sum(g.cash_counted_fen for g in gates),
        cash_variance_fen=sum(g.cash_variance_fen for g in gates),
    )


async def day_entries(site_id: int, day: date) -> list[dict[str, Any]]:
    """Every entry of the shifts opened on the day, by receipt number, with its gate's name and
    its exemption reason's name: the report's detail sheet."""
    clock = await site_clock(site_id)
    shift_ids = [s["id"] for s in await _shifts(site_id, clock, day)]
    if not shift_ids:
        return []
    rows = await T.select().where(T.shift_id.is_in(shift_ids)).order_by(T.receipt_no)
    gates = {
        r["id"]: r["name"]
        for r in await Gate.select(Gate.id, Gate.name).where(Gate.site == site_id)
    }
    reasons = {
        r["code"]: r["name_zh"]
        for r in await ExemptionReason.select(ExemptionReason.code, ExemptionReason.name_zh).where(
            ExemptionReason.site == site_id
        )
    }
    for row in rows:
        row["gate_name"] = gates.get(row["gate_id"], "")
        row["reason_name"] = (
            reasons.get(row["exemption_reason"] or "") if row["kind"] == "exemption" else None
        )
    return list(rows)


async def shift_takings(shift_id: str) -> dict[str, int]:
    """Method -> fen the shift took (fees less voided ones), for its slip."""
    voided = await _voided([shift_id])
    query = T.select(T.method, Sum(T.amount_fen, alias="fen")).where(
        (T.shift_id == shift_id) & (T.kind == "fee")
    )
    if voided:
        query = query.where(T.id.not_in(list(voided)))
    rows = await query.group_by(T.method)
    return {r["method"]: int(r["fen"] or 0) for r in rows if r["method"]}
