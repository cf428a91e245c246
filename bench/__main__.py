"""`python -m bench` (or `make bench`): runs every benchmark, or those named on the command line."""

import asyncio
import sys

from bench import key_labels, media_ingest, sync_throughput

BENCHMARKS = {
    "sync": sync_throughput.main,
    "media": media_ingest.main,
    "labels": key_labels.main,
}


def main() -> None:
    names = sys.argv[1:] or list(BENCHMARKS)
    for name in names:
        asyncio.run(BENCHMARKS[name]())


if __name__ == "__main__":
    main()
