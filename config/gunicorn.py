"""gunicorn settings for `python manage.py api`, from the one validated settings object (a bad one:
one line, exit 2): the same HOST, PORT, WEB_THREADS and SHUTDOWN_GRACE_SECONDS as `manage.py run`
(the image sets HOST=0.0.0.0). The app is built in each worker after the fork (no preload), so every
worker opens its own MongoDB client.

Access lines come from the app (`fido.access`, the same fields as under `run`), so gunicorn's own
access log is off. Errors gunicorn raises before the app runs answer with the JSON envelope (see
workers/gunicorn_worker.py); a request line over 8190 bytes (gunicorn's ceiling) is a 414 there.
"""

import gc
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the project root

from config.prometheus import mark_process_dead, prepare_dir  # noqa: E402
from config.settings import load_config_or_exit  # noqa: E402

_settings = load_config_or_exit()
prepare_dir("api")  # before any worker imports prometheus_client: /metrics sums every worker

bind = f"{_settings.HOST}:{_settings.PORT}"
workers = _settings.WEB_CONCURRENCY
worker_class = "workers.gunicorn_worker.EnvelopeThreadWorker"
threads = _settings.WEB_THREADS
preload_app = False
timeout = 30
graceful_timeout = _settings.SHUTDOWN_GRACE_SECONDS
keepalive = 5
accesslog = None
errorlog = "-"
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
forwarded_allow_ips = _settings.FORWARDED_ALLOW_IPS


def post_worker_init(_worker):
    # The worker has built its app: start-up objects leave the cyclic GC's view, as `manage.py run`
    # does before serving (workers/web.py `freeze_startup_objects` says why).
    gc.collect()
    gc.freeze()


def child_exit(_server, worker):
    mark_process_dead(worker.pid)
