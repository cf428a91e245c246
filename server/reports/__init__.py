"""Reports: one door (`GET /api/reports`, `GET /api/reports/{name}`) to the ledgers and the
dashboards' charts the other domains' typed tables make, each as JSON, XLSX, CSV or PDF.

Differs: report.py says what a report is (filters, chart, who opens it); catalog.py lists them;
ledgers.py (keys, findings), patrols.py, parking.py, vendors.py and permits.py build each
report's rows and totals from the domains' projections and services; documents.py is the one
module of building blocks that turns any ledger into a spreadsheet, a CSV file or a printed A4
PDF."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from litestar.types import ControllerRouterHandler

    from server.syncing.handler_kit import Services
    from sync import Handler


def routes() -> list[ControllerRouterHandler]:
    from server.reports.controller import ROUTES

    return [*ROUTES]


def sync_handlers(services: Services) -> list[Handler]:
    return []  # reports only read
