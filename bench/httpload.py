"""HTTP load generator, run as its own process so it never shares the server's interpreter lock:
`python -m bench.httpload URL [--header 'Name: value'] [--connections 8] [--seconds 3]`.

Uses `wrk` when installed (Debian: apt-get install wrk); otherwise keep-alive HTTP/1.1 connections
from threads of this process. Prints one JSON object: requests, per_second, non_2xx, tool.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import socket
import subprocess
import threading
import time
from urllib.parse import urlsplit


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
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client():
        ok = bad = 0
        sock = socket.create_connection((parts.hostname, parts.port or 80))
        buffer = b""
        while time.monotonic() < deadline:
            sock.sendall(request)
            while b"\r\n\r\n" not in buffer:
                buffer += sock.recv(65536)
            header, _, buffer = buffer.partition(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length:\s*(\d+)", header).group(1))
            while len(buffer) < length:
                buffer += sock.recv(65536)
            buffer = buffer[length:]
            if header[9:10] == b"2":
                ok += 1
            else:
                bad += 1
        sock.close()
        with lock:
            counts["ok"] += ok
            counts["bad"] += bad

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    total = counts["ok"] + counts["bad"]
    return {"requests": total, "per_second": round(total / elapsed, 1), "non_2xx": counts["bad"], "tool": "python"}


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
