"""HTTP load generator, run as its own process so it never shares the server's interpreter lock:
`python -m bench.httpload URL [--header 'Name: value'] [--connections 8] [--seconds 3]`
(`run_httpload(...)` from a benchmark).

Uses `wrk` when installed (Debian: apt-get install wrk); otherwise keep-alive HTTP/1.1 connections
from threads of this process. Prints one JSON object: requests, per_second, p50_ms, p99_ms,
non_2xx, tool.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def run_httpload(url: str, headers: list[str] | tuple = (), connections: int = 8, seconds: float = 3.0) -> dict:
    """`python -m bench.httpload` in a process of its own; its JSON result. Any non-2xx answer or
    socket error fails the benchmark: figures are never reported over failures."""
    cmd = [sys.executable, "-m", "bench.httpload", url, f"--connections={connections}", f"--seconds={seconds}"]
    cmd += [f"--header={header}" for header in headers]
    done = subprocess.run(cmd, cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True, check=True)
    result = json.loads(done.stdout)
    if result["non_2xx"] or result.get("socket_errors"):
        raise RuntimeError(f"benchmark requests failed: {result}")
    return result


def _wrk_ms(out: str, percentile: str) -> float:
    value, unit = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
    return round(float(value) * _UNITS_MS[unit], 3)


def _wrk(url: str, headers: list[str], connections: int, seconds: float) -> dict:
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    for header in headers:
        cmd += ["-H", header]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "requests": total,
        "per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": _wrk_ms(out, "50"),
        "p99_ms": _wrk_ms(out, "99"),
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": sum(int(g) for g in errors.groups()) if errors else 0,
        "tool": "wrk",
    }


def _python(url: str, headers: list[str], connections: int, seconds: float) -> dict:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    head = f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n" + "".join(f"{h}\r\n" for h in headers) + "\r\n"
    request = head.encode()
    counts = {"ok": 0, "bad": 0}
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client():
        ok = bad = 0
        took = []
        sock = socket.create_connection((parts.hostname, parts.port or 80))
        buffer = b""
        while time.monotonic() < deadline:
            sent = time.perf_counter()
            sock.sendall(request)
            while b"\r\n\r\n" not in buffer:
                buffer += sock.recv(65536)
            header, _, buffer = buffer.partition(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length:\s*(\d+)", header).group(1))
            while len(buffer) < length:
                buffer += sock.recv(65536)
            buffer = buffer[length:]
            took.append(time.perf_counter() - sent)
            if header[9:10] == b"2":
                ok += 1
            else:
                bad += 1
        sock.close()
        with lock:
            counts["ok"] += ok
            counts["bad"] += bad
            latencies.extend(took)

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    total = counts["ok"] + counts["bad"]
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return {
        "requests": total,
        "per_second": round(total / elapsed, 1),
        "p50_ms": round(cuts[49] * 1000, 3),
        "p99_ms": round(cuts[98] * 1000, 3),
        "non_2xx": counts["bad"],
        "tool": "python",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--header", action="append", default=[])
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--python", action="store_true", help="Never use wrk.")
    args = parser.parse_args()
    run = _python if args.python or not shutil.which("wrk") else _wrk
    print(json.dumps(run(args.url, args.header, args.connections, args.seconds)))


if __name__ == "__main__":
    main()
