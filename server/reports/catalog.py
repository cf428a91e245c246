"""Every report, in the order the list endpoint gives them: the dashboards' charts first, then
the ledgers."""

from __future__ import annotations

from server.reports.ledgers import FINDINGS, FINDINGS_TREND, KEYS
from server.reports.parking import CASH_VARIANCE, PARKING_DAY, PARKING_MONTH, PARKING_TAKINGS
from server.reports.patrols import PATROL_COVERAGE, PATROLS
from server.reports.permits import PERMITS
from server.reports.report import Report
from server.reports.vendors import VENDOR_EVALUATIONS, VENDOR_INSPECTIONS, VENDOR_SCORES

REPORTS: dict[str, Report] = {
    r.name: r
    for r in (
        PATROL_COVERAGE,
        FINDINGS_TREND,
        VENDOR_SCORES,
        PARKING_TAKINGS,
        CASH_VARIANCE,
        PATROLS,
        KEYS,
        FINDINGS,
        VENDOR_EVALUATIONS,
        VENDOR_INSPECTIONS,
        PARKING_DAY,
        PARKING_MONTH,
        PERMITS,
    )
}
