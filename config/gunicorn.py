"""gunicorn settings for `python manage.py api`. The app is built in each worker after the fork
(no preload), so every worker opens its own MongoDB client. Values come from the validated settings
(a bad one: one line, exit 2); gunicorn binds HOST like every other entry (the image sets 0.0.0.0)."""

from config.prometheus import mark_process_dead, prepare_dir
from config.settings import load_config_or_exit

_settings = load_config_or_exit()
prepare_dir("api")  # before any worker imports prometheus_client: /metrics sums every worker

bind = f"{_settings.HOST}:{_settings.PORT}"
workers = _settings.WEB_CONCURRENCY
worker_class = "gthread"
threads = _settings.WEB_THREADS
preload_app = False
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = _settings.FORWARDED_ALLOW_IPS


def child_exit(_server, worker):
    mark_process_dead(worker.pid)
