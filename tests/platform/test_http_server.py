"""The HTTP server in front of the app, in both modes (real subprocesses): errors the server itself
raises use the JSON envelope, no header names a server or Python version, keep-alive works, and
every request leaves one access line with the documented fields and no query string."""

from __future__ import annotations

import gc
import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests

from tests.platform.runner_support import GRACE, ROOT, Run, default_env, free_port
from tests.support import wait_for
from workers.web import WebServer

TEST_REDIS_HOST = os.environ.get("TEST_REDIS_HOST", "127.0.0.1:6379")


def raw(port: int, request: bytes) -> tuple[int, dict, bytes]:
    """Send `request` on a new connection; the status, headers (lower-case names) and body."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


def assert_envelope(status: int, headers: dict, body: bytes, expected: int) -> None:
    assert status == expected, body
    assert headers["content-type"].startswith("application/json")
    envelope = json.loads(body)
    assert envelope["code"] == expected and envelope["status"] and envelope["message"]


def access_lines(output: str) -> list[dict]:
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return [line for line in lines if line["logger"] == "fido.access"]


def check_server_errors(port: int, long_url: int) -> None:
    assert_envelope(*raw(port, b"NOT A REQUEST LINE\r\n\r\n"), 400)
    assert_envelope(*raw(port, b"GET /" + b"a" * long_url + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), 414)
    huge = b"X-Filler: " + b"v" * 150 * 1024 + b"\r\n"
    assert_envelope(*raw(port, b"GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + huge + b"\r\n"), 431)


def check_no_versions(response: requests.Response) -> None:
    for name, value in response.headers.items():
        assert "python" not in value.lower() and "werkzeug" not in value.lower(), (name, value)
        if name.lower() in ("server", "via", "x-powered-by"):
            assert not any(ch.isdigit() for ch in value), (name, value)


def test_embedded_server_errors_headers_keep_alive_and_access_lines(tmp_path):
    run = Run(tmp_path, ADMIN_API_KEY="fido_http-server-test-key")
    try:
        run.wait_ready()
        check_server_errors(run.port, 70 * 1024)  # the app's own 64 KiB check
        line = b"GET /" + b"a" * 200 * 1024 + b" HTTP/1.1\r\n"
        status, _, _ = raw(run.port, line + b"Host: x\r\nConnection: close\r\n\r\n")
        assert status == 414  # a request line over the header limit: still 414, not 431
        session = requests.Session()
        first = session.get(f"{run.url}/health/live?api_key=query-secret", headers={"X-Request-ID": "client-id-1"})
        check_no_versions(first)
        assert "server" not in {k.lower() for k in first.headers}
        assert first.headers["X-Request-ID"] == "client-id-1"
        keyed = session.get(f"{run.url}/api/v1/api-keys", headers={"X-API-Key": "fido_http-server-test-key"})
        assert keyed.status_code == 200 and keyed.headers.get("Connection", "").lower() != "close"
        (key_id,) = [item["id"] for item in keyed.json()["items"]]
        wait_for(lambda: len(access_lines(run.output())) >= 7, timeout=10, message="the access lines")
        run.proc.send_signal(signal.SIGTERM)
        assert run.wait_exit(GRACE + 5) == 0
    finally:
        run.kill()
    output = run.output()
    assert "query-secret" not in output and "\x1b[" not in output
    lines = access_lines(output)
    live = next(line for line in lines if line["request_id"] == "client-id-1")
    assert live["method"] == "GET" and live["path"] == "/health/live" and live["status"] == 200
    assert isinstance(live["duration_ms"], float) and live["api_key_id"] is None
    keyed_line = next(line for line in lines if line["path"] == "/api/v1/api-keys")
    assert keyed_line["api_key_id"] and "fido_" not in keyed_line["api_key_id"]
    assert keyed_line["api_key_id"] == key_id
    assert {line["status"] for line in lines} >= {400, 414, 431, 200}


@pytest.fixture
def gunicorn(tmp_path):
    port = free_port()
    log_path = tmp_path / "gunicorn.log"
    env = default_env(PORT=str(port), WEB_CONCURRENCY="1", REDIS_URL=f"redis://{TEST_REDIS_HOST}/4")
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "config" / "gunicorn.py"), "webapp:create_app()"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )

    def ready():
        assert proc.poll() is None, log_path.read_text()
        try:
            return requests.get(f"http://127.0.0.1:{port}/health/live", timeout=2).status_code == 200
        except requests.ConnectionError:
            return False

    try:
        wait_for(ready, timeout=60, interval=0.1, message="gunicorn to serve")
        yield port, log_path
    finally:
        proc.terminate()
        proc.wait(GRACE + 5)


def test_gunicorn_server_errors_use_the_envelope_and_the_same_access_lines(gunicorn):
    port, log_path = gunicorn
    check_server_errors(port, 9000)  # gunicorn's request-line ceiling is 8190 bytes
    response = requests.get(f"http://127.0.0.1:{port}/health/live?token=query-secret")
    check_no_versions(response)
    wait_for(lambda: len(access_lines(log_path.read_text())) >= 4, timeout=10, message="the access lines")
    output = log_path.read_text()
    assert "query-secret" not in output
    live = next(line for line in access_lines(output) if line["path"] == "/health/live")
    assert {"method", "path", "status", "duration_ms", "request_id", "api_key_id"} <= set(live)


def test_the_embedded_server_freezes_start_up_objects_before_serving(app):
    """Start-up objects are out of the cyclic collector's view once the server serves (a full
    collection would otherwise walk them all, pausing every request thread)."""
    gc.unfreeze()
    server = WebServer(app, "127.0.0.1", 0, 2, 1024)
    try:
        server.start()
        assert gc.get_freeze_count() > 10_000
        assert requests.get(f"http://127.0.0.1:{server.port}/health/live", timeout=5).status_code == 200
    finally:
        server.stop(time.monotonic() + 5)
        gc.unfreeze()
