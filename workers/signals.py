"""Celery signals: carry the HTTP request id into tasks, and reconnect MongoDB after a fork."""

from __future__ import annotations

from celery.signals import before_task_publish, task_postrun, task_prerun, worker_process_init

from webapp.logs import current_request_id, request_id_var


@before_task_publish.connect
def _stamp_request_id(headers=None, **_):
    request_id = current_request_id()
    if headers is not None and request_id and "request_id" not in headers:
        headers["request_id"] = request_id


@task_prerun.connect
def _adopt_request_id(task=None, **_):
    request_id_var.set(getattr(task.request, "request_id", None) if task else None)


@task_postrun.connect
def _forget_request_id(**_):
    request_id_var.set(None)


@worker_process_init.connect
def _reconnect_after_fork(**_):
    from celery import current_app as celery_app

    from webapp.extensions import connect_mongo

    connect_mongo(celery_app.conf.mongo_uri)
