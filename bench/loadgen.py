"""A load generator in its own process (so it never shares the server's interpreter lock).

`python -m bench.loadgen` reads one JSON object on stdin: {"url", "headers", "body", "total",
"concurrency", "method" (optional, "POST" by default, or "GET" without a body)}; it sends the request
`total` times from `concurrency` threads (one keep-alive session each) and prints {"count",
"elapsed_s", "latencies_s", "errors"} as JSON on stdout.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests


def run_load(spec: dict) -> dict:
    """Run `spec` through `python -m bench.loadgen` in a process of its own; its JSON result.
    Any failed request is an error: a benchmark never reports figures over failures."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.loadgen"],
        cwd=Path(__file__).resolve().parents[1],  # the repository root, whatever the caller's directory
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(done.stdout)
    if result["errors"]:
        raise RuntimeError(f"benchmark requests failed: {result['errors'][:3]}")
    return result


def main() -> int:
    spec = json.load(sys.stdin)
    local = threading.local()
    latencies, errors = [], []
    lock = threading.Lock()

    def one(_):
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        t0 = time.perf_counter()
        if spec.get("method", "POST") == "GET":
            response = session.get(spec["url"], headers=spec.get("headers") or {}, timeout=60)
        else:
            response = session.post(spec["url"], json=spec["body"], headers=spec["headers"], timeout=60)
        took = time.perf_counter() - t0
        with lock:
            (latencies if 200 <= response.status_code < 300 else errors).append(
                took if response.ok else f"{response.status_code} {response.text[:200]}"
            )

    started = time.perf_counter()
    with ThreadPoolExecutor(spec["concurrency"]) as pool:
        list(pool.map(one, range(spec["total"])))
    elapsed = time.perf_counter() - started
    json.dump({"count": len(latencies), "elapsed_s": elapsed, "latencies_s": latencies, "errors": errors}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
