"""The load generator of the HTTP benchmarks, run as its own process so its CPU use is not the
server's GIL: `python -m bench.loadgen URL TOTAL CONCURRENCY [HEADER:VALUE ...]` prints one JSON
summary (count, per_second, p50/p99/mean in ms). Any non-2xx answer fails it (exit 1)."""

from __future__ import annotations

import json
import sys

from bench.support import http_load


def main(argv: list[str]) -> int:
    url, total, concurrency, *header_args = argv
    headers = dict(h.split(":", 1) for h in header_args)
    summary = http_load(lambda s: s.get(url, headers=headers, timeout=10), int(total), int(concurrency))
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
