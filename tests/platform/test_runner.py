"""`manage.py run` as a process: clean stop on SIGTERM and on a terminal's Ctrl-C, a failed start that
leaves nothing behind, flower safe by default, the banner. Real subprocesses, default settings."""

from __future__ import annotations

import os
import signal
import socket
import threading

import psutil
import pytest
import requests

from tests.platform.runner_support import GRACE, Run, free_port, processes_mentioning, still_running
from tests.support import wait_for


def _light_load(url: str, headers: dict, stop: threading.Event, statuses: list) -> None:
    session = requests.Session()
    while not stop.is_set():
        try:
            statuses.append(session.get(url, headers=headers, timeout=5).status_code)
        except requests.ConnectionError:
            session = requests.Session()  # refused once the server stopped accepting


@pytest.mark.parametrize("how", ["SIGTERM to the process", "SIGINT to the process group"])
def test_stop_under_light_load_is_clean_and_leaves_no_child(tmp_path, how):
    run = Run(tmp_path, new_session=True, ADMIN_API_KEY="fido_stop-test-admin-key")
    try:
        run.wait_ready()
        children = run.descendants()
        assert any("redis-server" in " ".join(p.cmdline()) for p in children)  # the private Redis
        stop, statuses = threading.Event(), []
        load = threading.Thread(
            target=_light_load,
            args=(f"{run.url}/api/v1/api-keys", {"X-API-Key": "fido_stop-test-admin-key"}, stop, statuses),
        )
        load.start()
        wait_for(lambda: len(statuses) >= 20, timeout=30, message="some load")
        if how.startswith("SIGTERM"):
            run.proc.send_signal(signal.SIGTERM)
        else:
            os.killpg(run.proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
        code = run.wait_exit(GRACE + 5)
        stop.set()
        load.join(10)
    finally:
        run.kill()
    output = run.output()
    assert code == 0, output
    assert "Stopped." in output
    assert "Traceback" not in output
    assert '"level": "ERROR"' not in output and " ERROR " not in output, output
    assert set(statuses) <= {200}, statuses
    assert still_running(children) == []
    # The banner: a configured admin key shows only its first 9 characters.
    assert "stop-test-admin-key" not in output
    assert "Admin API key: from ADMIN_API_KEY (fido_stop…)" in output


def test_port_in_use_fails_in_one_line_and_starts_nothing(tmp_path):
    flower_port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = Run(tmp_path, "--with-flower", PORT=str(port), FLOWER_PORT=str(flower_port))
        try:
            code = run.wait_exit(60)
        finally:
            run.kill()
    output = run.output()
    assert code == 1, output
    errors = [line for line in output.splitlines() if line.startswith("Error:")]
    assert errors == [f"Error: cannot listen on 127.0.0.1:{port}: Address already in use"], output
    assert "Traceback" not in output
    assert processes_mentioning(f"--port={flower_port}") == []  # flower never started
    assert processes_mentioning(str(run.redis_port)) == []  # the private Redis was stopped


def test_with_flower_is_bound_to_host_needs_generated_credentials_and_lists_app_tasks(tmp_path):
    flower_port = free_port()
    run = Run(tmp_path, "--with-flower", FLOWER_PORT=str(flower_port))
    try:
        run.wait_ready()
        output = run.output()
        logins = [line for line in output.splitlines() if "Flower login:" in line]
        assert len(logins) == 1, output
        user, password = logins[0].split("Flower login:")[1].split("(")[0].split(" / ")
        user, password = user.strip(), password.strip()
        assert len(password) >= 16
        assert "Admin API key: fido_" in output and "(generated; shown once)" in output

        (flower,) = [p for p in run.descendants() if f"--port={flower_port}" in " ".join(p.cmdline())]
        with open(f"/proc/{flower.pid}/cmdline", "rb") as fh:
            assert password.encode() not in fh.read()
        listening = {c.laddr.ip for c in flower.net_connections("inet") if c.status == psutil.CONN_LISTEN}
        assert listening == {"127.0.0.1"}  # HOST's default, never 0.0.0.0 or [::]

        api = f"http://127.0.0.1:{flower_port}/api/workers?refresh=1"
        assert requests.get(api, timeout=10).status_code == 401

        def registered():
            workers = requests.get(api, auth=(user, password), timeout=10).json()
            return [task for info in workers.values() for task in info.get("registered") or []]

        tasks = wait_for(registered, timeout=30, interval=0.5, message="flower to list the worker's tasks")
        assert {"platform.ping", "dialogs.cleanup_stale"} <= set(tasks)
        children = run.descendants()
        run.proc.send_signal(signal.SIGTERM)
        assert run.wait_exit(GRACE + 5) == 0, run.output()
    finally:
        run.kill()
    assert still_running(children) == []
    assert run.output().count(password) == 1
