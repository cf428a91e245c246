"""`python -m bench` (or `make bench`): runs every benchmark, or those named on the command line."""

import asyncio
import inspect
import sys

from bench import (
    key_labels,
    media_ingest,
    media_store,
    parking_report,
    parking_tariff,
    permits_browser,
    permits_verify,
    pwa_cold_start,
    report_exports,
    sync_push,
    sync_throughput,
    vendor_evaluation,
)

BENCHMARKS = {
    "sync": sync_throughput.main,
    "sync-push": sync_push.main,
    "media": media_ingest.main,
    "media-store": media_store.main,
    "labels": key_labels.main,
    "permits": permits_verify.main,
    "permits-browser": permits_browser.main,
    "pwa": pwa_cold_start.main,
    "parking": parking_tariff.main,
    "parking-report": parking_report.main,
    "vendors": vendor_evaluation.main,
    "report-exports": report_exports.main,
}


def main() -> None:
    names = sys.argv[1:] or list(BENCHMARKS)
    for name in names:
        result = BENCHMARKS[name]()
        if inspect.iscoroutine(result):
            asyncio.run(result)


if __name__ == "__main__":
    main()
