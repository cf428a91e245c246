"""`python -m bench` (or `make bench`): runs every benchmark, or those named on the command line."""

import asyncio
import sys

from bench import sync_throughput

BENCHMARKS = {"sync": sync_throughput.main}


def main() -> None:
    names = sys.argv[1:] or list(BENCHMARKS)
    for name in names:
        asyncio.run(BENCHMARKS[name]())


if __name__ == "__main__":
    main()
