"""The Celery round-trip client of the platform benchmark, in a process of its own (so it never
shares an interpreter lock with the worker it measures, embedded or separate).

`python -m bench.ping_client ROUND_TRIPS` builds the benchmark app (the same broker and result
backend settings as the benchmark process), waits for one `platform.ping` to come back (the worker
is up, connections are warm), then runs ROUND_TRIPS pings one at a time, each result awaited, and
prints {"round_trips", "elapsed_s", "per_second"} as JSON on stdout.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from bench.support import configure_env


def run_round_trips(round_trips: int) -> float:
    """Round trips per second, measured by `python -m bench.ping_client` in its own process."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.ping_client", str(round_trips)],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)["per_second"]


def main(round_trips: int) -> int:
    configure_env()
    from webapp import create_app

    create_app()
    from tasks.platform import ping

    ping.delay().get(timeout=60)
    started = time.perf_counter()
    for _ in range(round_trips):
        ping.delay().get(timeout=10)
    elapsed = time.perf_counter() - started
    json.dump({"round_trips": round_trips, "elapsed_s": elapsed, "per_second": round_trips / elapsed}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1])))
