"""The HTTP server of `manage.py run`: waitress (chosen by measurement, see docs/operations.md).

Contract:
- keep-alive, a bounded pool of `WEB_THREADS` request threads, request line + headers at most
  `MAX_HEADER_BYTES`, body at most `MAX_CONTENT_LENGTH`;
- errors raised by the server itself (400 bad request line, 413, 414 URL over 64 KiB, 431 huge
  headers, 501) answer with the JSON error envelope and log one access line;
- no `Server` header (waitress would name itself);
- `stop(deadline)`: stop accepting at once, let in-flight requests finish until `deadline`
  (time.monotonic()), then close every connection and end the serving thread.
"""

from __future__ import annotations

import gc
import logging
import threading
import time

from waitress import create_server
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.task import ErrorTask
from waitress.utilities import Error, RequestHeaderFieldsTooLarge

from webapp.errors import envelope_bytes
from webapp.logs import log_access

MAX_URL_BYTES = 64 * 1024
MAX_HEADER_BYTES = 128 * 1024
MAX_DISCARD_BYTES = 1024 * 1024

log = logging.getLogger("fido.web")


class UriTooLong(Error):
    code = 414
    reason = "URI Too Long"


class _Parser(HTTPRequestParser):
    """waitress reports any oversized head as 431 at once; here a request line alone over the URL
    limit is a 414, and the rest of an oversized head (up to MAX_DISCARD_BYTES) is read and dropped
    before answering, so the client gets the answer instead of a connection reset."""

    _discarding = False
    _dropped = 0
    _tail = b""

    def received(self, data):
        if self._discarding:
            return self._discard(data)
        head = self.header_plus + data
        consumed = super().received(data)
        if isinstance(self.error, RequestHeaderFieldsTooLarge):
            end = head.find(b"\n")
            if end < 0 or end > MAX_URL_BYTES:
                self.error = UriTooLong("URL too long")
            if b"\r\n\r\n" not in head:
                self.completed, self._discarding, self._tail = False, True, head[-3:]
        return consumed

    def _discard(self, data):
        window = self._tail + data
        end = window.find(b"\r\n\r\n")
        self._dropped += len(data)
        if end >= 0 or self._dropped > MAX_DISCARD_BYTES:
            self.completed, self._discarding = True, False
            return len(data) if end < 0 else max(0, end + 4 - len(self._tail))
        self._tail = window[-3:]
        return len(data)


class _EnvelopeErrorTask(ErrorTask):
    def execute(self):
        error = self.request.error
        body = envelope_bytes(error.code)
        self.status = f"{error.code} {error.reason}"
        self.response_headers.extend([("Content-Type", "application/json"), ("X-Content-Type-Options", "nosniff")])
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)
        log_access("-", "-", error.code, (time.monotonic() - self._started) * 1000, None, None)

    def start(self):
        self._started = time.monotonic()
        super().start()


class _Channel(HTTPChannel):
    parser_class = _Parser
    error_task_class = _EnvelopeErrorTask


def freeze_startup_objects() -> None:
    """Move every object alive now (modules, the app, a loaded embedded database) out of the cyclic
    garbage collector's view, as servers do once they are ready: a full collection then walks what
    requests made, not ~100k start-up objects (in process, one full collection per ~3,000
    authenticated requests paused everything for ~65 ms). Frozen objects are still freed by
    reference counting."""
    gc.collect()
    gc.freeze()


class WebServer:
    """waitress bound at construction (OSError if the port is taken); `start()` serves in a thread."""

    def __init__(self, app, host: str, port: int, threads: int, max_body: int):
        self.server = create_server(
            app,
            host=host,
            port=port,
            threads=threads,
            ident="",  # no Server header
            max_request_header_size=MAX_HEADER_BYTES,
            max_request_body_size=max_body + 1,
            clear_untrusted_proxy_headers=True,
            channel_timeout=60,
        )
        self.server.channel_class = _Channel
        self.port = self.server.effective_port
        self.thread = threading.Thread(target=self.server.run, name="http", daemon=True)

    def start(self) -> WebServer:
        freeze_startup_objects()
        self.thread.start()
        return self

    def _busy(self) -> bool:
        dispatcher = self.server.task_dispatcher
        if dispatcher.active_count or dispatcher.queue:
            return True
        channels = [c for c in list(self.server._map.values()) if isinstance(c, HTTPChannel)]
        return any(c.requests or c.total_outbufs_len for c in channels)

    def _call_in_loop(self, fn) -> None:
        done = threading.Event()

        def thunk():
            try:
                fn()
            finally:
                done.set()

        self.server.trigger.pull_trigger(thunk)
        done.wait(2)

    def stop(self, deadline: float) -> None:
        if not self.thread.is_alive():
            self.server.close()
            return
        server = self.server

        def stop_accepting():
            server.accepting = False
            server.del_channel()
            server.socket.close()

        self._call_in_loop(stop_accepting)
        while self._busy() and time.monotonic() < deadline:
            time.sleep(0.02)
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=max(0.1, deadline - time.monotonic()))
        self._call_in_loop(lambda: [ch.close() for ch in list(server._map.values())])
        self.thread.join(2)
