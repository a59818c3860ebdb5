"""A tiny threaded HTTP server on 127.0.0.1 with a scriptable handler, the base of every stand-in
(tests, benchmarks and the offline demo of `manage.py run --demo`).

A stand-in subclass implements `handle(request) -> Reply`. Every request is recorded. `script`
queues replies that override `handle` one by one (e.g. a 500, then the normal answer).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes

    @property
    def form(self) -> dict:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}

    def json(self):
        return json.loads(self.body or b"null")


@dataclass
class Reply:
    status: int = 200
    body: bytes | str | dict | list | None = None
    headers: dict = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (to provoke client timeouts)

    def encoded(self) -> tuple[bytes, str]:
        if isinstance(self.body, (dict, list)):
            return json.dumps(self.body).encode(), "application/json"
        if isinstance(self.body, str):
            return self.body.encode(), "application/json"
        return self.body or b"", "application/json"


class StandinServer:
    """Listens on 127.0.0.1:`port` (0: a free port, see `url`) once constructed; serves after `start()`
    in a daemon thread; `stop()` closes the socket and joins that thread."""

    def __init__(self, port: int = 0):
        self.requests: list[Request] = []
        self.record = True  # False for long-running use (the demo): requests are not kept
        self.scripted: list[Reply] = []
        self.lock = threading.Lock()
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                req = Request(
                    method=self.command,
                    path=parts.path,
                    query={k: v[0] for k, v in parse_qs(parts.query).items()},
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                reply = standin._reply_for(req)
                if reply.delay:
                    time.sleep(reply.delay)
                body, ctype = reply.encoded()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.headers.get("Content-Type", ctype))
                    self.send_header("Content-Length", str(len(body)))
                    for key, value in reply.headers.items():
                        if key != "Content-Type":
                            self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> StandinServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.thread.is_alive():
            self.httpd.shutdown()
            self.thread.join(5)
        self.httpd.server_close()

    def script(self, *replies: Reply) -> None:
        with self.lock:
            self.scripted.extend(replies)

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.scripted.clear()

    def _reply_for(self, req: Request) -> Reply:
        with self.lock:
            if self.record:
                self.requests.append(req)
            scripted = self.scripted.pop(0) if self.scripted else None
        return scripted or self.handle(req)

    def handle(self, req: Request) -> Reply:  # overridden by each stand-in
        return Reply(404, {"message": "not found"})
