"""Multiprocess mode (gunicorn workers, prefork Celery children): values written by several
processes are summed by the worker's scrape endpoint. Runs in a subprocess, since the mode is
chosen when prometheus_client is first imported."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import requests

from tests.platform.test_processes import ROOT, child_env, free_port
from tests.support import wait_for

SCRIPT = textwrap.dedent(
    """
    import os, sys, time
    from config.prometheus import prepare_dir, mark_process_dead, serve_worker_metrics
    prepare_dir("worker")
    from prometheus_client import CollectorRegistry
    from webapp.metrics import Metrics
    metrics = Metrics(CollectorRegistry())
    for _ in range(2):  # two pool processes, each running one task
        pid = os.fork()
        if pid == 0:
            metrics.tasks.inc("platform.ping", "succeeded")
            metrics.http_requests.inc("GET", "/health/live", "200")
            metrics.http_duration.observe("GET", "/health/live", value=0.003)
            os._exit(0)
        os.waitpid(pid, 0)
        mark_process_dead(pid)
    serve_worker_metrics("127.0.0.1", int(sys.argv[1]))
    print("serving", flush=True)
    sys.stdin.read()  # until the test closes our stdin
    """
)


def test_the_worker_endpoint_sums_its_processes(tmp_path):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(port)],
        cwd=ROOT,
        env=child_env(PYTHONPATH=str(ROOT), PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics")),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "serving"

        def scraped():
            try:
                return requests.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
            except requests.ConnectionError:
                return None

        text = wait_for(scraped, message="the worker metrics endpoint")
        assert 'fido_celery_tasks_total{state="succeeded",task="platform.ping"} 2.0' in text
        # gunicorn's workers write the HTTP series the same way
        assert 'fido_http_requests_total{method="GET",route="/health/live",status="200"} 2.0' in text
        assert 'fido_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/health/live"} 2.0' in text
    finally:
        proc.stdin.close()
        proc.wait(10)


TEMPORARY = textwrap.dedent(
    """
    import os, sys
    from config.prometheus import prepare_dir
    path = prepare_dir("worker")
    pid = os.fork()
    if pid == 0:
        sys.exit(0)  # a child's exit runs the inherited atexit hooks
    os.waitpid(pid, 0)
    print(path, os.path.isdir(path), flush=True)
    """
)


def test_a_temporary_directory_goes_with_the_process_that_made_it():
    env = child_env(PYTHONPATH=str(ROOT))
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    done = subprocess.run([sys.executable, "-c", TEMPORARY], cwd=ROOT, env=env, capture_output=True, text=True)
    path, alive_after_child = done.stdout.split()
    assert done.returncode == 0, done.stderr
    assert alive_after_child == "True"  # a child's exit left it alone
    assert not os.path.exists(path)
