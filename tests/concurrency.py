"""8 readers and 2 writers on one list endpoint at once, through the Flask test client (each thread
its own client and API key, so per-key rate limits do not interfere). Reports every 5xx."""

from __future__ import annotations

import sys
import threading
import time

from tests.support import make_key

READERS = 8
WRITERS = 2


def hammer(app, read, write, seconds: float = 1.5, scope: str = "write", write_scope: str | None = None) -> dict:
    """Run `read(client, headers, i)` in READERS threads and `write(client, headers, i)` in WRITERS
    threads for `seconds`; each returns a response. Returns {"statuses": {code: n}, "errors": [...]}
    where errors lists (status, body) of every 5xx and every exception raised."""
    statuses: dict[int, int] = {}
    errors: list = []
    lock = threading.Lock()
    stop = threading.Event()
    keys = [make_key(scope, f"hammer-read-{i}") for i in range(READERS)]
    keys += [make_key(write_scope or scope, f"hammer-write-{i}") for i in range(WRITERS)]

    def loop(action, key):
        client = app.test_client()
        headers = {"X-API-Key": key}
        i = 0
        while not stop.is_set():
            i += 1
            try:
                response = action(client, headers, i)
            except Exception as exc:  # a crash in the app under test surfaces here
                with lock:
                    errors.append(("exception", repr(exc)))
                continue
            with lock:
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                if response.status_code >= 500:
                    errors.append((response.status_code, response.get_data(as_text=True)[:300]))

    threads = [threading.Thread(target=loop, args=(read, keys[i])) for i in range(READERS)]
    threads += [threading.Thread(target=loop, args=(write, keys[READERS + i])) for i in range(WRITERS)]
    # Switch threads far more often than the default 5 ms, so races show within a short run.
    saved_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        for thread in threads:
            thread.start()
        # A bounded run, not a timing assertion: the test checks statuses only.
        time.sleep(seconds)
        stop.set()
        for thread in threads:
            thread.join(30)
    finally:
        sys.setswitchinterval(saved_interval)
    return {"statuses": statuses, "errors": errors}


def assert_no_5xx(outcome: dict) -> None:
    assert not outcome["errors"], outcome["errors"][:5]
    assert outcome["statuses"].get(200, 0) > 0, outcome["statuses"]
