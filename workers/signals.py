"""Worker-only Celery signals: reconnect MongoDB in each prefork child (PyMongo clients are not
fork-safe). Imported by the worker entry (`workers.celery_app`); the request-id handlers every
process needs are in `webapp.task_signals`."""

from __future__ import annotations

from celery import current_app as celery_app
from celery.signals import worker_process_init

from webapp.extensions import connect_mongo


@worker_process_init.connect
def _reconnect_after_fork(**_):
    connect_mongo(celery_app.conf.mongo_uri)
