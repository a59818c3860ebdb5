"""Celery signal handlers of the request id: a task published while serving a request carries that
request's id (`request_id` message header), and its logs show it while it runs.

Connected once, when this module is imported (by `webapp.extensions`, so in every process that
builds the app: API, worker, beat). The worker-only after-fork handler is in `workers.signals`.
"""

from __future__ import annotations

from celery.signals import before_task_publish, task_postrun, task_prerun

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
