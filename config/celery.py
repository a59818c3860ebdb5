"""Celery settings, queues, routes and the one beat schedule, derived from the Flask config.

Every periodic job is declared here, its interval read from a setting in seconds; an interval of 0
switches the job off.
"""

from __future__ import annotations

import importlib.util
import pkgutil

from kombu import Queue

QUEUES = ("default", "notifications", "ingestion")

# (beat entry name, task name, interval setting, queue)
PERIODIC_JOBS = (
    ("notifications-sweep", "notifications.sweep_pending", "NOTIFICATION_SWEEP_INTERVAL_SECONDS", "default"),
    ("stats-sweep", "transactions.sweep_stats", "STATS_SWEEP_INTERVAL_SECONDS", "default"),
    ("stats-reconcile", "transactions.reconcile_stats", "STATS_RECONCILE_INTERVAL_SECONDS", "default"),
    ("dialogs-cleanup", "dialogs.cleanup_stale", "DIALOG_CLEANUP_INTERVAL_SECONDS", "default"),
    ("btc-price-refresh", "prices.refresh_btc", "BTC_PRICE_REFRESH_SECONDS", "default"),
    ("assets-ingest", "assets.ingest", "ASSET_INGEST_INTERVAL_SECONDS", "ingestion"),
    ("audit-purge", "audit.purge", "AUDIT_CLEANUP_INTERVAL_SECONDS", "default"),
)


def task_modules() -> list[str]:
    """Every module of the `tasks` package, found without importing it. A worker imports them at
    start (Celery's `include`); the API process never does: it publishes tasks by name."""
    spec = importlib.util.find_spec("tasks")
    paths = list(spec.submodule_search_locations or []) if spec else []
    return sorted(f"tasks.{module.name}" for module in pkgutil.iter_modules(paths))


def beat_schedule(config: dict) -> dict:
    schedule = {}
    for entry, task, setting, queue in PERIODIC_JOBS:
        seconds = int(config.get(setting) or 0)
        if seconds > 0:
            schedule[entry] = {
                "task": task,
                "schedule": float(seconds),
                # A periodic run that could not start within its own interval is dropped, not piled up.
                "options": {"queue": queue, "expires": float(seconds)},
                "kwargs": {"trigger": "schedule"} if task == "assets.ingest" else {},
            }
    return schedule


def celery_settings(config: dict) -> dict:
    """The Celery configuration for the validated settings, by name (`webapp.settings.as_mapping`)."""
    return {
        "broker_url": config["CELERY_BROKER_URL"],
        "result_backend": config["CELERY_RESULT_BACKEND"],
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "result_accept_content": ["json"],
        "timezone": "UTC",
        "enable_utc": True,
        # A task is acknowledged after it ran, and redelivered if its worker died mid-way; every
        # task is written to be idempotent for that reason.
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        # Must exceed the longest countdown/ETA plus run time, or Redis redelivers early.
        "broker_transport_options": {
            "visibility_timeout": config["CELERY_VISIBILITY_TIMEOUT"],
            "socket_connect_timeout": config["BROKER_CONNECT_TIMEOUT_SECONDS"],
        },
        "result_backend_transport_options": {"visibility_timeout": config["CELERY_VISIBILITY_TIMEOUT"]},
        "broker_connection_retry_on_startup": True,
        # Publishing while Redis is down gives up after one bounded connect attempt (callers record
        # the work in an outbox and a sweeper re-enqueues it); a request never waits on the broker.
        "broker_connection_timeout": config["BROKER_CONNECT_TIMEOUT_SECONDS"],
        "task_publish_retry": False,
        "task_ignore_result": True,
        "result_expires": config["CELERY_RESULT_EXPIRES"],
        "worker_max_tasks_per_child": config["CELERY_MAX_TASKS_PER_CHILD"],
        # Events cost ~4 Redis publishes per task; only flower reads them (CELERY_TASK_EVENTS).
        "worker_send_task_events": config["CELERY_TASK_EVENTS"],
        "task_send_sent_event": config["CELERY_TASK_EVENTS"],
        "task_default_queue": "default",
        "task_queues": [Queue(name, routing_key=name) for name in QUEUES],
        "task_routes": {
            "notifications.send_sms": {"queue": "notifications"},
            # A status query must not wait behind the page tasks it reports on.
            "assets.run_status": {"queue": "default"},
            "assets.*": {"queue": "ingestion"},
        },
        "include": task_modules(),
        "beat_schedule": beat_schedule(config),
        "beat_schedule_filename": config["BEAT_SCHEDULE_FILE"],
    }
