"""The parking day report: SQL over the typed projections `parking_shift` and
`parking_transaction`. A day is the site's own calendar day; the report covers the shifts opened
on it (a shift's takings stay together, even past midnight) and every entry of those shifts."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from piccolo.query.functions.aggregate import Count, Sum

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


async def method_totals(
    shift_ids: list[str], voided: set[str]
) -> dict[tuple[int, str], tuple[int, int]]:
    """(gate, method) -> (count, fen) of the fees not voided: one GROUP BY."""
    query = T.select(T.gate_id, T.method, Count(), Sum(T.amount_fen, alias="fen")).where(
        T.shift_id.is_in(shift_ids) & (T.kind == "fee")
    )
    if voided:
        query = query.where(T.id.not_in(list(voided)))
    rows = await query.group_by(T.gate_id, T.method)
    return {(r["gate_id"], r["method"]): (int(r["count"]), int(r["fen"] or 0)) for r in rows}


async def day_report(site_id: int, day: date) -> DayReport:
    clock = await site_clock(site_id)
    site = await Site.select(Site.name).where(Site.id == site_id).first()
    shifts = await _shifts(site_id, clock, day)
    shift_ids = [s["id"] for s in shifts]
    entries: list[dict[str, Any]] = []
    voided: set[str] = set()
    totals: dict[tuple[int, str], tuple[int, int]] = {}
    if shift_ids:
        voided = await _voided(shift_ids)
        totals = await method_totals(shift_ids, voided)
        entries = list(
            await T.select(
                T.id,
                T.gate_id,
                T.shift_id,
                T.receipt_no,
                T.kind,
                T.plate,
                T.fee_fen,
                T.amount_fen,
                T.method,
                T.variance_reason,
                T.exemption_reason,
                T.voids,
                T.reason,
            )
            .where(T.shift_id.is_in(shift_ids))
            .order_by(T.receipt_no)
        )
    receipt_of = {e["id"]: e["receipt_no"] for e in entries}
    kind_of = {e["id"]: e["kind"] for e in entries}
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

    receipts: dict[tuple[int, str], list[str]] = defaultdict(list)
    exemptions: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    variances: dict[int, list[VarianceLine]] = defaultdict(list)
    voids: dict[int, list[VoidLine]] = defaultdict(list)
    count: dict[int, int] = defaultdict(int)
    cash_of_shift: dict[str, int] = defaultdict(int)
    for e in entries:
        gate = e["gate_id"]
        count[gate] += 1
        if e["kind"] == "void":
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
            continue
        if e["id"] in voided:
            continue
        if e["kind"] == "fee":
            receipts[(gate, e["method"])].append(e["receipt_no"])
            if e["method"] == "cash":
                cash_of_shift[e["shift_id"]] += e["amount_fen"]
            if e["amount_fen"] != e["fee_fen"]:
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
        else:
            exemptions[(gate, e["exemption_reason"] or "")].append(e)

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
                        count=len(items),
                        waived_fen=sum(i["fee_fen"] for i in items),
                        receipts=[i["receipt_no"] for i in items],
                    )
                    for (g, reason), items in sorted(exemptions.items())
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
                        cash_fen=cash_of_shift[s["id"]],
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
