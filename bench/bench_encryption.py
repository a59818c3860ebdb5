"""Field encryption's cost: p50 of POST /api/v1/users and GET /api/v1/users/{id} with the app's
cipher against the same code with encryption off, measured in one run, requests interleaved
(on, off, on, ...) so that the growing collection and the machine's drift weigh on both alike.

"Off" exists only here: the benchmark swaps `app.extensions["field_cipher"]` for `PlainCipher`,
which stores values as given (and the email's lower case as its index). The product has no switch
that disables encryption.
"""

from __future__ import annotations

import time

from bench.support import ServedApp, get_app, percentile

REQUESTS = 300  # per mode and per route


class PlainCipher:
    """The cipher interface without encryption (bench only)."""

    primary = "plain"

    def seal(self, text):
        return text

    def open(self, value):
        return value

    def blind(self, text: str) -> str:
        return text.strip().casefold()


def _person(mode: str, n: int) -> dict:
    return {"name": f"Bench Person {n}", "email": f"{mode}-{n}@bench.example", "phone_number": f"+2332{n:08d}"}


def run() -> dict:
    import requests

    app = get_app()
    from tests.support import make_key

    modes = {"on": app.extensions["field_cipher"], "off": PlainCipher()}
    headers = {"X-API-Key": make_key("write")}
    session = requests.Session()
    post: dict[str, list[float]] = {"on": [], "off": []}
    get: dict[str, list[float]] = {"on": [], "off": []}
    ids: dict[str, list[str]] = {"on": [], "off": []}
    with ServedApp(app) as served:

        def timed_call(mode: str, method: str, path: str, **kwargs):
            app.extensions["field_cipher"] = modes[mode]
            started = time.perf_counter()
            response = session.request(method, served.url + path, headers=headers, timeout=30, **kwargs)
            took = time.perf_counter() - started
            if response.status_code >= 300:
                raise RuntimeError(f"benchmark request failed: {response.status_code} {response.text[:200]}")
            return took, response

        for n in range(REQUESTS):
            for mode in ("on", "off") if n % 2 == 0 else ("off", "on"):
                took, response = timed_call(mode, "POST", "/api/v1/users", json=_person(mode, n))
                post[mode].append(took)
                ids[mode].append(response.json()["id"])
        for n in range(REQUESTS):
            for mode in ("on", "off") if n % 2 == 0 else ("off", "on"):
                took, response = timed_call(mode, "GET", f"/api/v1/users/{ids[mode][n]}")
                assert response.json()["email"] == f"{mode}-{n}@bench.example"
                get[mode].append(took)
    app.extensions["field_cipher"] = modes["on"]

    rows, ratios = [], {}
    for route, samples in (("POST /api/v1/users", post), ("GET /api/v1/users/{id}", get)):
        p50 = {mode: percentile(samples[mode], 50) * 1000 for mode in ("on", "off")}
        for mode in ("on", "off"):
            rows.append(
                {
                    "case": f"{route}, encryption {mode}",
                    "count": len(samples[mode]),
                    "p50_ms": round(p50[mode], 3),
                    "p99_ms": round(percentile(samples[mode], 99) * 1000, 3),
                }
            )
        ratios[f"{route} p50 overhead (%, limit 25)"] = round((p50["on"] / p50["off"] - 1) * 100, 1)
    return {"rows": rows, "ratios": ratios}
