"""Celery entry module for `celery -A workers.celery_app`: it validates the settings and builds the app.

A bad setting prints one line and exits 2 before anything heavy is imported. As the entry of
`celery ... worker` or `celery ... beat` it also refuses the embedded database (a separate process
cannot share the in-process mongomock of `manage.py run`; exit 2, the line `manage.py worker`
prints) and exits 1 with one line when its MongoDB or broker cannot be reached. Other celery
subcommands (flower, inspect) only build the app.
"""

import os
import sys

from config.settings import embedded_refusal, exit_on_config_error, is_embedded_mongo, load_config_or_exit

# Celery's global options that take a value (so their value is not mistaken for the subcommand).
_VALUED_OPTIONS = {"-A", "--app", "-b", "--broker", "--result-backend", "--loader", "--config", "--workdir"}


def celery_subcommand(argv: list[str]) -> str | None:
    """The subcommand of a `celery [options] SUBCOMMAND ...` command line, if this is one."""
    if not argv or not (argv[0].endswith("celery") or argv[0].endswith("celery/__main__.py")):
        return None
    args = iter(argv[1:])
    for arg in args:
        if arg in _VALUED_OPTIONS:
            next(args, None)
        elif not arg.startswith("-"):
            return arg
    return None


def _check_entry(settings) -> None:
    role = celery_subcommand(sys.argv)
    if role not in ("worker", "beat"):
        return
    if is_embedded_mongo(settings.MONGO_URI):
        exit_on_config_error(embedded_refusal(role, settings.MONGO_URI))
    from workers.preflight import require_mongo, require_redis

    require_redis(settings)
    require_mongo(settings)
    if role == "worker":
        _worker_metrics(settings)


def _worker_metrics(settings) -> None:
    """Task metrics of every pool process, summed on WORKER_METRICS_PORT (0 = off); the files'
    directory is set before anything imports prometheus_client."""
    from config.prometheus import prepare_dir

    prepare_dir("worker")
    if not settings.WORKER_METRICS_PORT:
        return
    from celery.signals import worker_init, worker_process_shutdown

    from config.prometheus import mark_process_dead, serve_worker_metrics

    def _serve(**_):
        serve_worker_metrics(settings.HOST, settings.WORKER_METRICS_PORT)

    def _child_gone(pid=None, **_):
        mark_process_dead(pid or os.getpid())

    worker_init.connect(_serve, weak=False)
    worker_process_shutdown.connect(_child_gone, weak=False)


settings = load_config_or_exit()
_check_entry(settings)

import workers.signals  # noqa: E402, F401  (after validation; reconnects MongoDB in each forked child)
from webapp import create_app  # noqa: E402  (after validation: a bad setting exits fast)

flask_app = create_app(settings)
celery = flask_app.extensions["celery"]
