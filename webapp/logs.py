"""Logging: one line per event, JSON or text, each carrying the request id of the HTTP request or
of the request that enqueued the running task.

Access lines (logger `fido.access`, one per request, the same under `run` and gunicorn) carry the
fields `method`, `path` (never the query string), `status`, `duration_ms`, `request_id` and
`api_key_id` (the key's id, never its secret). Third-party client libraries log at WARNING and above.
"""

from __future__ import annotations

import contextvars
import json
import logging
import logging.config
from datetime import UTC, datetime

ACCESS = logging.getLogger("fido.access")
ACCESS_FIELDS = ("method", "path", "status", "duration_ms", "api_key_id")
# Chatty libraries: their INFO lines are per message or per poll, and some carry URLs or numbers.
QUIET_LOGGERS = ("twilio", "urllib3", "requests", "waitress", "celery", "kombu", "amqp", "flower", "tornado")

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    return request_id_var.get()


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        if hasattr(record, "access"):
            line.update(record.access)
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def configure_logging(level: str, fmt: str) -> None:
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "filters": {"request_id": {"()": RequestIdFilter}},
            "formatters": {
                "json": {"()": JsonFormatter},
                "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
            },
            "handlers": {
                "console": {
                    "class": "logging.StreamHandler",
                    "formatter": fmt,
                    "filters": ["request_id"],
                }
            },
            "root": {"level": level, "handlers": ["console"]},
            # waitress warns "Task queue depth is 1" whenever a request waits for a free thread.
            "loggers": {name: {"level": "WARNING"} for name in QUIET_LOGGERS} | {"waitress.queue": {"level": "ERROR"}},
        }
    )


def log_access(method: str, path: str, status: int, duration_ms: float, request_id, api_key_id) -> None:
    """One access line. `path` must already be stripped of its query string."""
    if not ACCESS.isEnabledFor(logging.INFO):
        return
    fields = {
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": round(duration_ms, 2),
        "api_key_id": api_key_id,
    }
    if request_id:
        fields["request_id"] = request_id
    text = f"{method} {path} {status} {fields['duration_ms']}ms key={api_key_id or '-'}"
    ACCESS.info(text, extra={"access": fields})
