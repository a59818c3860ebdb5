"""`manage.py run --demo` as a user runs it: a subprocess with a temporary working directory, a free
HTTP port and a private Redis (the runner starts one on a free port), nothing but local stand-ins.
Also the refusals: production and a real database stop it in one line, exit status 2."""

from __future__ import annotations

import re
import signal
import subprocess
import sys

import pytest
import requests

from tests.platform.test_processes import ROOT, child_env, free_port
from tests.support import wait_for
from workers.embedded import redis_answers


def get(url: str, key: str, **params):
    try:
        return requests.get(url, headers={"X-API-Key": key}, params=params, timeout=5)
    except requests.ConnectionError:
        return None


def ok_json(url: str, key: str, **params):
    response = get(url, key, **params)
    return response.json() if response is not None and response.status_code == 200 else None


@pytest.fixture
def demo_run(tmp_path):
    port, redis_port = free_port(), free_port()
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    env = child_env(
        PORT=str(port),
        REDIS_URL=redis_url,
        ADMIN_API_KEY="demo-admin-key",
        PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",  # so the Twilio stand-in sends delivery receipts
        PYTHONPATH=str(ROOT),
    )
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "run", "--demo"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield proc, f"http://127.0.0.1:{port}/api/v1", redis_url
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_demo_serves_every_capability_offline_and_stops_everything(demo_run):
    proc, api, redis_url = demo_run
    key = "demo-admin-key"

    def quote():
        assert proc.poll() is None, proc.stdout.read()
        return ok_json(f"{api}/prices/btc", key)

    price = wait_for(quote, timeout=90, interval=0.3, message="a demo BTC quote")
    assert price["source"] in ("demo-coingecko", "demo-coinbase") and set(price["rates"]) == {"EUR", "GBP", "USD"}
    order = requests.post(
        f"{api}/orders", json={"currency": "EUR", "amount": "69.00"}, headers={"X-API-Key": key}, timeout=5
    )
    assert order.status_code == 201, order.text
    assert order.json()["rate_source"].startswith("demo-")

    user = ok_json(f"{api}/users", key, page_size=100)["items"][0]

    def all_sms_done():
        items = ok_json(f"{api}/users/{user['id']}/transactions", key, page_size=100)["items"]
        notes = [t["notification"] for t in items]
        if all(n["status"] == "delivered" for n in notes):  # sent, then the signed receipt arrived
            return notes

    notes = wait_for(all_sms_done, timeout=90, interval=0.5, message="every seeded SMS delivered")
    assert len(notes) >= 10 and {n["provider"] for n in notes} == {"demo-twilio"}
    analytics = ok_json(f"{api}/users/{user['id']}/analytics", key)
    assert 300 <= analytics["credit_score"]["score"] <= 850
    assert ok_json(f"{api}/data", key)["total"] == 2

    def ingested():
        runs = ok_json(f"{api}/ingestions", key)["items"]
        return runs if runs and runs[-1]["status"] == "succeeded" else None

    run = wait_for(ingested, timeout=90, interval=0.5, message="the first ingestion")[-1]
    assert run["assets_ingested"] >= 300
    assets = ok_json(f"{api}/assets", key, limit=10)
    assert assets["provider"] == "demo-cryptocompare+demo-coinmarketcap" and len(assets["items"]) == 10
    csv = get(f"{api}/assets", key, limit=5, format="csv")
    assert csv.status_code == 200 and csv.text.splitlines()[0] == "rank,symbol,name,price_usd"

    proc.send_signal(signal.SIGTERM)
    output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, output
    assert "DEMO MODE" in output and "Seeded: 4 users" in output and "Stopped." in output
    assert output.count("curl -s") == 3
    standins = re.findall(r"^\s+(http://127\.0\.0\.1:\d+)\s", output, flags=re.M)
    assert len(standins) == 5
    for url in standins:  # threads of the run: gone with it
        with pytest.raises(requests.ConnectionError):
            requests.get(url, timeout=2)
    wait_for(lambda: not redis_answers(redis_url, 0.2), timeout=10, message="the private redis-server to stop")


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        (
            {
                "APP_ENV": "production",
                "SECRET_KEY": "s",
                "MONGO_URI": "mongodb://db.example:27017/fido",
                "FIELD_ENCRYPTION_KEYS": "A" * 43 + "=",
                "FIELD_INDEX_KEY": "i" * 32,
            },
            "demo mode refuses APP_ENV=production",
        ),
        ({"MONGO_URI": "mongodb://user:pw@db.example:27017/fido"}, "demo mode refuses a real database"),
    ],
)
def test_demo_refuses_production_and_a_real_database(tmp_path, env, reason):
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "run", "--demo"],
        cwd=tmp_path,
        env=child_env(PYTHONPATH=str(ROOT), **env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and reason in lines[0], done.stderr
    assert "pw" not in done.stderr and done.stdout == ""
