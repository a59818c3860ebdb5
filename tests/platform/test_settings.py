"""Settings are parsed and checked once at start: every entry point (each manage.py command, the
Celery entry module) stops a bad value with ONE line and exit status 2, and an unreachable MongoDB
or Redis with one line naming it (password masked) and exit status 1. In subprocesses, as run."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from config.settings import ConfigError, load_config

ROOT = Path(__file__).resolve().parents[2]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the block ends: nothing listens there


def run(*argv: str, timeout: float = 30, **env_overrides) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "PYTEST"))}
    env.update({"APP_ENV": "development", "LOG_LEVEL": "WARNING", **env_overrides})
    return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def manage(*args: str, **env) -> subprocess.CompletedProcess:
    return run(sys.executable, "manage.py", *args, **env)


def one_error_line(done: subprocess.CompletedProcess) -> str:
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    return lines[0]


BAD = [
    ("RATE_LIMIT_DEFAULT", "garbage", "must be a rate such as '10 per second' or '600/minute'"),
    ("RATE_LIMIT_ORDERS", "60 per fortnight", "must be a rate such as '10 per second' or '600/minute'"),
    ("SMS_RATE_LIMIT", "garbage", "must be a rate such as '10 per second' or '600/minute'"),
    ("BTC_ORDER_CAP", "abc", "must be a decimal number"),
    ("LOG_LEVEL", "garbage", "must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ("SMS_RETRY_BACKOFF_SECONDS", "abc", "must be a number"),
    ("REDIS_URL", "garbage", "must be a URL redis://host... or rediss://host..."),
    ("PORT", "70000", "must be between 1 and 65535"),
    ("BTC_PRICE_PROVIDERS", "coingecko,kraken", "must be a comma-separated list of coingecko, coinbase"),
    (
        "MONGO_URI",
        "postgres://db/fido",
        "must be a URL mongomock://host... or mongodb://host... or mongodb+srv://host...",
    ),
]


@pytest.mark.parametrize(("name", "value", "problem"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_setting_stops_every_command_with_one_line(name, value, problem):
    done = manage("openapi", **{name: value})
    assert done.returncode == 2
    assert one_error_line(done) == f"Error: {name}: {problem} (got '{value}')"


@pytest.mark.parametrize("command", [("list-api-keys",), ("ingest", "--wait"), ("run",), ("worker",)])
def test_each_manage_command_checks_the_settings_first(command):
    done = manage(*command, LOG_LEVEL="garbage")
    assert done.returncode == 2
    assert one_error_line(done).startswith("Error: LOG_LEVEL: must be one of")


def test_a_url_error_masks_the_password():
    done = manage("openapi", REDIS_URL="redis://:hunter2@127.0.0.1:99999/0")
    assert done.returncode == 2
    assert one_error_line(done) == "Error: REDIS_URL: is not a valid URL (got 'redis://:***@127.0.0.1:99999/0')"


def test_a_secret_is_never_echoed():
    done = manage("openapi", FLOWER_BASIC_AUTH="no-colon-secret")
    assert one_error_line(done) == "Error: FLOWER_BASIC_AUTH: must be user:password (got '***')"


@pytest.mark.parametrize(
    ("value", "parsed"),
    [("10 per second", "10 per second"), ("600/minute", "600/minute"), ("25", "25 per second")],
)
def test_sms_rate_limit_takes_the_limits_syntax_or_a_whole_number_per_second(monkeypatch, value, parsed):
    monkeypatch.setenv("SMS_RATE_LIMIT", value)
    assert load_config().SMS_RATE_LIMIT == parsed


def test_enums_are_case_insensitive(monkeypatch):
    monkeypatch.setenv("LOG_LEVEL", "debug")
    monkeypatch.setenv("LOG_FORMAT", "JSON")
    monkeypatch.setenv("APP_ENV", "Testing")
    config = load_config()
    assert (config.LOG_LEVEL, config.LOG_FORMAT, config.ENV_NAME) == ("DEBUG", "json", "testing")


def test_zero_switches_an_interval_off_but_a_timeout_must_be_positive(monkeypatch):
    monkeypatch.setenv("ASSET_INGEST_INTERVAL_SECONDS", "0")
    assert load_config().ASSET_INGEST_INTERVAL_SECONDS == 0
    monkeypatch.setenv("ASSET_HTTP_TIMEOUT_SECONDS", "0")
    with pytest.raises(ConfigError, match="ASSET_HTTP_TIMEOUT_SECONDS: must be at least 1"):
        load_config()


@pytest.mark.parametrize("role", ["worker", "beat"])
def test_celery_entry_refuses_the_embedded_database(role):
    done = run(sys.executable, "-m", "celery", "-A", "workers.celery_app", role, MONGO_URI="mongomock://localhost/fido")
    assert done.returncode == 2
    line = one_error_line(done)
    assert line.startswith(f"Error: MONGO_URI: '{role}' runs as a separate process and cannot share the embedded")
    assert line.endswith("(got 'mongomock://localhost/fido')")


def test_celery_entry_stops_a_bad_setting_with_one_line():
    done = run(sys.executable, "-m", "celery", "-A", "workers.celery_app", "worker", BTC_ORDER_CAP="abc")
    assert done.returncode == 2
    assert one_error_line(done) == "Error: BTC_ORDER_CAP: must be a decimal number (got 'abc')"


def test_unreachable_mongodb_stops_the_worker_with_one_line_naming_it():
    port = closed_port()
    uri = f"mongodb://fido:s3cret@127.0.0.1:{port}/fido"
    done = manage("worker", MONGO_URI=uri, MONGO_CONNECT_TIMEOUT_SECONDS="1")
    assert done.returncode == 1
    masked = f"mongodb://fido:***@127.0.0.1:{port}/fido"
    assert one_error_line(done) == f"Error: MongoDB at {masked} unreachable (timeout 1s)"


def test_celery_entry_checks_mongodb_too():
    port = closed_port()
    done = run(
        sys.executable,
        "-m",
        "celery",
        "-A",
        "workers.celery_app",
        "worker",
        MONGO_URI=f"mongodb://127.0.0.1:{port}/fido",
        MONGO_CONNECT_TIMEOUT_SECONDS="1",
    )
    assert done.returncode == 1
    assert one_error_line(done) == f"Error: MongoDB at mongodb://127.0.0.1:{port}/fido unreachable (timeout 1s)"


def test_unreachable_redis_stops_an_operator_command_with_one_line():
    port = closed_port()
    done = manage("cleanup-dialogs", "--dry-run", REDIS_URL=f"redis://127.0.0.1:{port}/0")
    assert done.returncode == 1
    assert one_error_line(done) == f"Error: Redis at redis://127.0.0.1:{port}/0 unreachable (timeout 5s)"


def test_run_without_redis_and_without_redis_server_stops_with_one_line():
    port = closed_port()
    done = manage("run", REDIS_URL=f"redis://:pw@127.0.0.1:{port}/0", PATH="/nonexistent")
    assert done.returncode == 1
    line = one_error_line(done)
    assert line.startswith(f"Error: Redis at redis://:***@127.0.0.1:{port}/0 unreachable and no redis-server")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MONGO_URI", "mongodb://db1:27017,db2:27017/fido?replicaSet=rs0"),
        ("MONGO_URI", "mongodb+srv://user:pw@cluster.example.net/fido"),
        ("REDIS_URL", "rediss://:pw@cache.example.net:6380/0"),
        ("RATELIMIT_STORAGE_URI", "memory://"),
        ("BTC_PRICE_PROVIDERS", "Coinbase, coingecko"),
    ],
)
def test_valid_values_are_accepted(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    assert getattr(load_config(), name)
