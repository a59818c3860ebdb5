"""prometheus_client's multiprocess mode for the deployment processes (gunicorn's workers, the
prefork Celery worker's children): every process writes its values to files in
`PROMETHEUS_MULTIPROC_DIR` and a scrape sums them.

Contract: `prepare_dir(role)` must run before prometheus_client is imported (it picks its value
class at import): it exports `PROMETHEUS_MULTIPROC_DIR` (a new temporary directory, removed when
the process that made it exits, or the one the environment names, emptied of a previous run's
files). `mark_process_dead(pid)` is called when a
child exits (gunicorn `child_exit`, Celery `worker_process_shutdown`). `serve_worker_metrics` starts
the worker's scrape endpoint (a daemon thread of the main worker process) on HOST:port.
"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import tempfile

ENV = "PROMETHEUS_MULTIPROC_DIR"
_PREPARED = "FIDO_METRICS_DIR_PREPARED"


def prepare_dir(role: str) -> str:
    path = os.environ.get(ENV)
    if path and os.environ.get(_PREPARED) == path:
        return path  # already prepared by this process tree (gunicorn re-reads its config on HUP)
    if path:
        os.makedirs(path, exist_ok=True)
        for stale in glob.glob(os.path.join(path, "*.db")):
            os.remove(stale)
    else:
        path = tempfile.mkdtemp(prefix=f"fido-metrics-{role}-")
        atexit.register(_remove_if_creator, path, os.getpid())
    os.environ[ENV] = os.environ[_PREPARED] = path
    return path


def _remove_if_creator(path: str, creator: int) -> None:
    """A temporary directory goes when the process that made it exits; forked children (gunicorn's
    workers, the pool processes) inherit this hook and must leave it alone."""
    if os.getpid() == creator:
        shutil.rmtree(path, ignore_errors=True)


def mark_process_dead(pid: int) -> None:
    if os.environ.get(ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


def serve_worker_metrics(host: str, port: int):
    """Serve the sum over this worker's processes at http://host:port/metrics; returns the server."""
    from prometheus_client import CollectorRegistry, multiprocess, start_http_server

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    server, _thread = start_http_server(port, addr=host, registry=registry)
    return server
