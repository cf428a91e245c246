"""The parking reports, all from the day report (server/parking/report.py) of each day of the
period, so the ledgers and the dashboards' charts count the same way as the printed day report:
takings by day, gate and method (parking_day), the month by day (parking_month), takings by
payment method (parking_takings, a chart) and the cash counts' variance (cash_variance, a
chart)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

from server.i18n import Language
from server.parking.report import METHODS, day_report
from server.parking.schemas import GateReport
from server.reports.report import Chart, Filter, Filters, Report, ledger, positive_id, say
from server.reports.schemas import Column, Ledger, Total

METHOD_NAMES = {
    "cash": ("现金", "Cash"),
    "wechat": ("微信", "WeChat Pay"),
    "alipay": ("支付宝", "Alipay"),
    "card": ("银行卡", "Bank card"),
}
GATE = Filter("gate_id", "出入口编号", "Gate id", parse=positive_id)


async def _gate_days(
    site_id: int, since: date, until: date, filters: Filters
) -> AsyncIterator[tuple[date, list[GateReport]]]:
    """Each day of the period with its gates' reports (the `gate_id` filter's gate only)."""
    wanted = filters.get("gate_id")
    day = since
    while day <= until:
        report = await day_report(site_id, day)
        yield day, [g for g in report.gates if wanted is None or g.gate_id == wanted]
        day += timedelta(days=1)


async def parking_ledger(
    site_id: int, site_name: str, since: date, until: date, filters: Filters, language: Language
) -> Ledger:
    """A row per day, gate and payment method, with the days' exemptions and cash variance in
    the totals."""
    rows: list[dict[str, Any]] = []
    count = total = exemptions = variance = 0
    async for day, gates in _gate_days(site_id, since, until, filters):
        for gate in gates:
            for line in gate.methods:
                if not line.count:  # the day report lists every method; the ledger what was paid
                    continue
                zh, en = METHOD_NAMES.get(line.method, (line.method, line.method))
                rows.append(
                    {
                        "date": day.isoformat(),
                        "gate": gate.gate_name,
                        "method": say(language, zh, en),
                        "count": line.count,
                        "amount_fen": line.amount_fen,
                    }
                )
                count += line.count
                total += line.amount_fen
            exemptions += sum(x.count for x in gate.exemptions)
            variance += gate.cash_variance_fen
    return ledger(
        site_id,
        site_name,
        since,
        until,
        [
            Column("date", "日期", "Date", "date", width=12),
            Column("gate", "出入口", "Gate", width=14),
            Column("method", "支付方式", "Payment method", width=12),
            Column("count", "笔数", "Payments", "int", width=8),
            Column("amount_fen", "金额（元）", "Amount (yuan)", "fen", width=14),
        ],
        rows,
        [
            Total("count", "收费笔数", "Payments", count),
            Total("amount_fen", "收费金额（元）", "Takings (yuan)", total, "fen"),
            Total("exemptions", "免费放行", "Exemptions", exemptions),
            Total("cash_variance_fen", "现金长短款（元）", "Cash variance (yuan)", variance, "fen"),
        ],
    )


MONTH_COLUMNS = [
    Column("date", "日期", "Date", "date", width=11),
    Column("transactions", "交易笔数", "Entries", "int", width=8),
    Column("payments", "收费笔数", "Payments", "int", width=8),
    Column("amount_fen", "收费金额（元）", "Takings (yuan)", "fen", width=12),
    Column("exemptions", "免费放行", "Exemptions", "int", width=8),
    Column("waived_fen", "免收金额（元）", "Waived (yuan)", "fen", width=12),
    Column("voids", "作废笔数", "Voids", "int", width=8),
    Column("shifts", "班次数", "Shifts", "int", width=7),
    Column("cash_expected_fen", "应有现金（元）", "Cash expected (yuan)", "fen", width=12),
    Column("cash_counted_fen", "实点现金（元）", "Cash counted (yuan)", "fen", width=12),
    Column("cash_variance_fen", "长短款（元）", "Variance (yuan)", "fen", width=11),
]


async def parking_month(
    site_id: int, site_name: str, since: date, until: date, filters: Filters, language: Language
) -> Ledger:
    """A row per day: entries, takings, exemptions and voids, shifts and their cash counts."""
    rows: list[dict[str, Any]] = []
    async for day, gates in _gate_days(site_id, since, until, filters):
        rows.append(
            {
                "date": day.isoformat(),
                "transactions": sum(g.transactions for g in gates),
                "payments": sum(m.count for g in gates for m in g.methods),
                "amount_fen": sum(g.total_fen for g in gates),
                "exemptions": sum(x.count for g in gates for x in g.exemptions),
                "waived_fen": sum(x.waived_fen for g in gates for x in g.exemptions),
                "voids": sum(len(g.voids) for g in gates),
                "shifts": sum(len(g.shifts) for g in gates),
                "cash_expected_fen": sum(g.cash_expected_fen for g in gates),
                "cash_counted_fen": sum(g.cash_counted_fen for g in gates),
                "cash_variance_fen": sum(g.cash_variance_fen for g in gates),
            }
        )
    totals = [
        Total(c.key, c.zh, c.en, sum(r[c.key] for r in rows), "fen" if c.kind == "fen" else "int")
        for c in MONTH_COLUMNS[1:]
    ]
    return ledger(site_id, site_name, since, until, MONTH_COLUMNS, rows, totals)


async def parking_takings(
    site_id: int, site_name: str, since: date, until: date, filters: Filters, language: Language
) -> Ledger:
    """The takings of each day by payment method (fees less voids), the dashboard's stacked
    bars."""
    rows: list[dict[str, Any]] = []
    async for day, gates in _gate_days(site_id, since, until, filters):
        row: dict[str, Any] = {"date": day.isoformat()}
        for method in METHODS:
            row[f"{method}_fen"] = sum(
                m.amount_fen for g in gates for m in g.methods if m.method == method
            )
        row["total_fen"] = sum(g.total_fen for g in gates)
        rows.append(row)
    columns = [
        Column("date", "日期", "Date", "date", width=11),
        *(
            Column(f"{m}_fen", f"{METHOD_NAMES[m][0]}（元）", f"{METHOD_NAMES[m][1]} (yuan)", "fen")
            for m in METHODS
        ),
        Column("total_fen", "合计（元）", "Total (yuan)", "fen"),
    ]
    totals = [Total(c.key, c.zh, c.en, sum(r[c.key] for r in rows), "fen") for c in columns[1:]]
    return ledger(site_id, site_name, since, until, columns, rows, totals)


async def cash_variance(
    site_id: int, site_name: str, since: date, until: date, filters: Filters, language: Language
) -> Ledger:
    """Each day's counted shifts: cash expected and counted, the overs (长款) and shorts (短款)
    apart, and the net variance. A shift counts on the day it opened, as in the day report."""
    cashier = filters.get("cashier_id")
    rows: list[dict[str, Any]] = []
    async for day, gates in _gate_days(site_id, since, until, filters):
        shifts = [
            s
            for g in gates
            for s in g.shifts
            if s.variance_fen is not None and (cashier is None or s.cashier_id == cashier)
        ]
        variances = [s.variance_fen or 0 for s in shifts]
        rows.append(
            {
                "date": day.isoformat(),
                "shifts": len(shifts),
                "cash_expected_fen": sum(s.expected_cash_fen or 0 for s in shifts),
                "cash_counted_fen": sum(s.counted_fen or 0 for s in shifts),
                "over_fen": sum(v for v in variances if v > 0),
                "short_fen": sum(v for v in variances if v < 0),
                "variance_fen": sum(variances),
                "off_shifts": sum(v != 0 for v in variances),
            }
        )
    columns = [
        Column("date", "日期", "Date", "date", width=11),
        Column("shifts", "已点款班次", "Shifts counted", "int", width=9),
        Column("cash_expected_fen", "应有现金（元）", "Cash expected (yuan)", "fen"),
        Column("cash_counted_fen", "实点现金（元）", "Cash counted (yuan)", "fen"),
        Column("over_fen", "长款（元）", "Over (yuan)", "fen", width=11),
        Column("short_fen", "短款（元）", "Short (yuan)", "fen", width=11),
        Column("variance_fen", "长短款合计（元）", "Net variance (yuan)", "fen"),
        Column("off_shifts", "有差异班次", "Shifts off", "int", width=9),
    ]
    totals = [
        Total(c.key, c.zh, c.en, sum(r[c.key] for r in rows), "int" if c.kind == "int" else "fen")
        for c in columns[1:]
    ]
    return ledger(site_id, site_name, since, until, columns, rows, totals)


PARKING_DAY = Report(
    "parking_day", "停车收费日报", "Parking takings by day", parking_ledger, (GATE,)
)
PARKING_MONTH = Report(
    "parking_month", "停车收费月报", "Parking month by day", parking_month, (GATE,)
)
PARKING_TAKINGS = Report(
    "parking_takings",
    "停车收入（按支付方式）",
    "Parking takings by payment method",
    parking_takings,
    (GATE,),
    Chart("bar", "date", tuple(f"{m}_fen" for m in METHODS), stacked=True),
)
CASH_VARIANCE = Report(
    "cash_variance",
    "现金长短款",
    "Cash variance",
    cash_variance,
    (GATE, Filter("cashier_id", "收费员", "Cashier", "person")),
    Chart("bar", "date", ("over_fen", "short_fen")),
)
