"""Celery tasks, one module per domain. Each task is a thin wrapper over a service function; the
app factory imports every module here so workers register them all."""
