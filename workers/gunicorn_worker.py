"""gunicorn's gthread worker, answering the errors gunicorn itself raises with the JSON envelope.

gunicorn rejects some requests before the app sees them: a bad request line or header (400), a
request line over `limit_request_line` (414), too many or too large headers (431), an unsupported
transfer coding (501). The stock worker answers those with an HTML page; this one answers with
`{"code", "status", "message"}` and logs one access line, like `manage.py run` does.
"""

from __future__ import annotations

from gunicorn import util
from gunicorn.http import errors
from gunicorn.workers.gthread import ThreadWorker

from webapp.errors import envelope_bytes, reason_phrase
from webapp.logs import log_access

_STATUS = (
    (errors.LimitRequestLine, 414),
    (errors.LimitRequestHeaders, 431),
    (errors.UnsupportedTransferCoding, 501),
    (errors.ForbiddenProxyRequest, 403),
    (errors.ExpectationFailed, 417),
    (errors.ConfigurationProblem, 500),
    (errors.ParseException, 400),
)


def status_for(exc: BaseException) -> int:
    for kind, status in _STATUS:
        if isinstance(exc, kind):
            return status
    return 500


class EnvelopeThreadWorker(ThreadWorker):
    def handle_error(self, req, client, addr, exc):
        status = status_for(exc)
        if status == 500:
            self.log.exception("error handling a request")
        else:
            self.log.warning("invalid request refused: %s", type(exc).__name__)
        log_access("-", "-", status, 0.0, None, None)
        body = envelope_bytes(status)
        head = (
            f"HTTP/1.1 {status} {reason_phrase(status)}\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nX-Content-Type-Options: nosniff\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        try:
            util.write_nonblock(client, head.encode("latin-1") + body)
        except Exception:  # the client is gone; nothing left to tell it
            self.log.debug("failed to send the error response")
