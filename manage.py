#!/usr/bin/env python
"""The one command-line tool. `python manage.py --help` lists every command.

Run modes: `run` is the embedded single process (API + Celery worker + beat, shared in-process
database); `api`, `worker`, `beat` and `flower` are the multi-process deployment and refuse the
embedded database. Operator commands act through the running system: they enqueue a task and wait
for its result, so they reach the data the running service holds.
"""

from __future__ import annotations

import json
import os
import sys

import click

from config.settings import (
    ConfigError,
    embedded_refusal,
    exit_on_config_error,
    is_embedded_mongo,
    load_config_or_exit,
)


def _settings():
    """The settings, parsed and checked once per process (a bad one: one line, exit 2)."""
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx else None
    if root is not None and isinstance(root.obj, dict) and "settings" in root.obj:
        return root.obj["settings"]
    settings = load_config_or_exit()
    if root is not None:
        root.obj = {"settings": settings}
    return settings


def _app():
    from webapp import create_app

    try:
        return create_app(_settings())
    except ConfigError as exc:
        exit_on_config_error(exc)


def _refuse_embedded(settings, what: str) -> None:
    if is_embedded_mongo(settings.MONGO_URI):
        exit_on_config_error(embedded_refusal(what, settings.MONGO_URI))


def _require(settings, mongo: bool = True, redis: bool = True) -> None:
    """Exit 1 with one line when the MongoDB or the broker this command needs does not answer."""
    from workers.preflight import require_mongo, require_redis

    if redis:
        require_redis(settings)
    if mongo:
        require_mongo(settings)


def run_task(name: str, kwargs: dict | None = None, timeout: float = 120.0, on_wait=None):
    """Enqueue task `name` on the running system and return its result (ClickException on failure,
    naming the cause once: no answer in time, or the Redis that stopped answering)."""
    import redis
    from celery.exceptions import TimeoutError as CeleryTimeout
    from kombu.exceptions import OperationalError

    from config.fields import mask_url

    settings = _settings()
    _require(settings, mongo=False)
    celery = _app().extensions["celery"]
    try:
        result = celery.send_task(name, kwargs=kwargs or {})
    except Exception:  # noqa: BLE001  (the broker stopped answering since the start-up check)
        raise click.ClickException(
            f"could not enqueue {name}: Redis at {mask_url(settings.CELERY_BROKER_URL)} unreachable"
        ) from None
    try:
        if on_wait is not None:
            return on_wait(result)
        return result.get(timeout=timeout)
    except CeleryTimeout:
        raise click.ClickException(
            f"{name} got no answer within {timeout:.0f}s: is the service running "
            "('python manage.py run', or 'python manage.py worker')?"
        ) from None
    except (redis.RedisError, OperationalError, OSError):
        raise click.ClickException(f"{name}: Redis at {mask_url(settings.CELERY_RESULT_BACKEND)} unreachable") from None
    finally:
        from workers.cli import detach_result

        detach_result(result)
        try:
            result.forget()  # also stops waiting on it
        except (redis.RedisError, OperationalError, OSError):
            pass  # the result expires on its own (CELERY_RESULT_EXPIRES)
        result.backend = None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli():
    """Fido back office: run the service and operate it."""
    _settings()  # every command starts by checking every setting


@cli.command()
@click.option("--with-flower", is_flag=True, help="Also start flower on the same broker.")
@click.option("--demo", is_flag=True, help="Offline demo: local stand-ins for every third party, seed data.")
def run(with_flower, demo):
    """Embedded mode: API, Celery worker and beat in ONE process (shares the in-process database)."""
    from workers.runner import run_embedded

    if demo:  # the settings (and .env) are read and checked by now; the demo's own refusals, one line
        from demo.part import refusal

        reason = refusal()
        if reason:
            click.echo(f"Error: {reason}", err=True)
            sys.exit(2)
    settings = _settings()
    _require(settings, redis=False)  # Redis: the runner uses it, or starts a private one
    sys.exit(run_embedded(settings, with_flower=with_flower, demo=demo))


@cli.command()
def api():
    """Serve the API with gunicorn (deployment mode)."""
    settings = _settings()
    _refuse_embedded(settings, "api")
    _require(settings)
    here = os.path.dirname(os.path.abspath(__file__))
    os.execvp(
        sys.executable,
        [sys.executable, "-m", "gunicorn", "-c", os.path.join(here, "config", "gunicorn.py"), "webapp:create_app()"],
    )


def _exec_celery(*args: str) -> None:
    """Replace this process with `celery -A workers.celery_app ARGS` (signals go straight to Celery)."""
    os.execvp(sys.executable, [sys.executable, "-m", "celery", "-A", "workers.celery_app", *args])


@cli.command()
@click.option("--queues", "-Q", default="default,notifications,ingestion", show_default=True)
@click.option("--concurrency", "-c", type=int, default=None, help="Default: WORKER_CONCURRENCY.")
def worker(queues, concurrency):
    """A Celery worker with task events on (deployment mode)."""
    settings = _settings()
    _refuse_embedded(settings, "worker")
    _require(settings)
    concurrency = str(concurrency or settings.WORKER_CONCURRENCY)
    _exec_celery("worker", "-E", "-Q", queues, "--concurrency", concurrency, "--loglevel", settings.LOG_LEVEL)


@cli.command()
def beat():
    """The one celery beat of a deployment (run exactly one)."""
    settings = _settings()
    _refuse_embedded(settings, "beat")
    _require(settings)
    _exec_celery("beat", "-s", settings.BEAT_SCHEDULE_FILE, "--loglevel", settings.LOG_LEVEL)


@cli.command()
def flower():
    """Flower on HOST:FLOWER_PORT with every app task, basic auth from FLOWER_BASIC_AUTH (user:password;
    passed through the environment, never the command line)."""
    settings = _settings()
    _refuse_embedded(settings, "flower")
    if not settings.FLOWER_BASIC_AUTH:
        raise click.ClickException("set FLOWER_BASIC_AUTH=user:password; flower must not run unauthenticated")
    _require(settings, mongo=False)
    from workers.runner import flower_command, flower_env

    cmd = flower_command(settings)
    os.execvpe(cmd[0], cmd, flower_env(settings.FLOWER_BASIC_AUTH))


# ---- API keys -------------------------------------------------------------------------------
# The CLI generates a new key itself and sends only its SHA-256 hash, name, scope and prefix: the
# plaintext is printed here once and never stored, logged or sent. With a real MongoDB the commands
# write to the database directly (the service need not run); with the embedded database only the
# running `run` process holds the data, so they go through its worker (`operator.call`).


def _operator_call(operation: str, **kwargs):
    settings = _settings()
    if is_embedded_mongo(settings.MONGO_URI):
        return run_task("operator.call", {"operation": operation, "kwargs": kwargs}, timeout=15)
    from webapp import operations

    _require(settings, redis=False)
    with _app().app_context():
        return operations.call(operation, kwargs)


@cli.command("create-api-key")
@click.option("--name", required=True)
@click.option("--scope", required=True, type=click.Choice(["read", "write", "admin"], case_sensitive=False))
def create_api_key(name, scope):
    """Create a key and print it (the only time it is shown)."""
    from webapp.apikeys.services import generate_key, hash_key

    key = generate_key()
    created = _operator_call("apikeys.register", name=name, scope=scope, key_hash=hash_key(key), prefix=key[:9])
    click.echo(f"id:    {created['id']}\nscope: {created['scope']}\nkey:   {key}")


@cli.command("list-api-keys")
def list_api_keys():
    """List active keys (never their secrets)."""
    for item in _operator_call("apikeys.list"):
        click.echo(f"{item['id']}  {item['scope']:<5}  {item['prefix']}…  {item['name']}  {item['created_at']}")


@cli.command("revoke-api-key")
@click.argument("key_id")
def revoke_api_key(key_id):
    """Revoke a key by id; it stops working at once."""
    result = _operator_call("apikeys.revoke", key_id=key_id)
    if not result.get("revoked"):
        raise click.ClickException(f"no active key with id {key_id}")
    click.echo(f"revoked {key_id}")


@cli.command()
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None, help="Write to FILE.")
def openapi(output):
    """Print (or write) the OpenAPI document."""
    from webapp.extensions import api as smorest_api

    with _app().app_context():
        text = json.dumps(smorest_api.spec.to_dict(), indent=2, sort_keys=True)
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
        click.echo(f"wrote {output}")
    else:
        click.echo(text)


# ---- prices ----
# Runs one refresh on the running system's worker and prints the stored quote or each provider's error.


@cli.command("refresh-price")
def refresh_price():
    """Refresh the BTC price now; print the quote, or every provider's error (exit 1)."""
    report = run_task("prices.refresh_btc", timeout=60)
    for provider, error in report.get("errors", {}).items():
        click.echo(f"{provider}: {error}")
    quote = report.get("quote")
    if not quote:
        raise click.ClickException("no provider gave a usable BTC price; the last good quote was kept")
    rates = "  ".join(f"{cur} {rate}" for cur, rate in quote["rates"].items())
    click.echo(f"source: {quote['source']}\nfetched_at: {quote['fetched_at']}\nBTC: {rates}")
    click.echo(f"history pruned: {report.get('pruned', 0)}")


# ---- assets ----
# `ingest` goes through the running system: it enqueues `assets.ingest` (trigger "cli") and, with
# --wait, follows the run (workers/cli.py). Exit status 0: succeeded; 1: failed, or a run was
# already in progress.


@cli.command()
@click.option("--wait", is_flag=True, help="Follow the run with a progress bar until it ends.")
@click.option("--timeout", type=float, default=900.0, show_default=True, help="Seconds to wait with --wait.")
def ingest(wait, timeout):
    """Start a crypto asset ingestion run now (one at a time)."""
    from workers.cli import follow_run

    settings = _settings()
    run = run_task("assets.ingest", {"trigger": "cli"}, on_wait=lambda res: follow_run(res, wait, timeout, settings))
    if run.get("status") == "conflict":
        click.echo(f"an ingestion is already in progress: run {run.get('running_run_id')}", err=True)
        sys.exit(1)
    if not wait:
        return
    click.echo(
        f"run {run['id']} {run['status']}: {run['assets_ingested']} assets, {run['prices_ingested']} prices, "
        f"{run['items_rejected'] or 0} items rejected, {run['pages_done']}/{run['pages_total']} pages, "
        f"{run['duration_ms']} ms" + (f", snapshot {run['snapshot_id']}" if run.get("snapshot_id") else "")
    )
    for message in run.get("errors") or []:
        click.echo(f"  error: {message}")
    sys.exit(0 if run["status"] == "succeeded" else 1)


# `rotate-encryption-keys` goes through the running system too: it enqueues
# `encryption.start_rotation` and, with --wait, follows the run's progress in the cache Redis.
# Every mode: the worker re-seals with the keys of the running service, so set the new key FIRST in
# FIELD_ENCRYPTION_KEYS (keeping the old ones after it) and restart every process, then run this.
# Exit status 0: succeeded with every value readable; 1: failed, unreadable values, or a run in progress.


@cli.command("rotate-encryption-keys")
@click.option("--wait", is_flag=True, help="Follow the run with a progress bar until it ends.")
@click.option("--timeout", type=float, default=3600.0, show_default=True, help="Seconds to wait with --wait.")
def rotate_encryption_keys(wait, timeout):
    """Re-seal every personal value under the first key of FIELD_ENCRYPTION_KEYS."""
    from workers.cli import follow_rotation

    settings = _settings()
    run = run_task("encryption.start_rotation", on_wait=lambda res: follow_rotation(res, wait, timeout, settings))
    if run.get("status") == "conflict":
        click.echo(f"a rotation is already in progress: run {run.get('running_run_id')}", err=True)
        sys.exit(1)
    if not wait:
        click.echo(f"rotation {run['id']} started ({run['total']} documents)")
        return
    click.echo(
        f"rotation {run['id']} {run['status']}: {run['resealed']} values re-sealed under key "
        f"{run['primary_key_id']}, {run['scanned']} documents scanned, {run['unreadable']} unreadable"
    )
    sys.exit(0 if run["status"] == "succeeded" and not run["unreadable"] else 1)


# ---- dialogs ----
@cli.command("cleanup-dialogs")
@click.option("--dry-run", is_flag=True, help="Only count the dialogs that would be deleted.")
@click.option(
    "--older-than",
    type=click.IntRange(min=0),
    default=None,
    metavar="SECONDS",
    help="Idle time after which a pending dialog is stale (default: DIALOG_CONSENT_TTL_SECONDS).",
)
def cleanup_dialogs(dry_run, older_than):
    """Delete pending dialogs never answered (the beat job, now) and print the count."""
    result = run_task("dialogs.cleanup_stale", {"older_than": older_than, "dry_run": dry_run})
    if dry_run:
        click.echo(f"would delete {result['would_delete']} stale dialog(s)")
    else:
        click.echo(f"deleted {result['deleted']} stale dialog(s)")


# ---- users ----
# Statistics reconciliation runs in the service's worker (it holds the data in embedded mode).


@cli.command("reconcile-stats")
@click.option("--user", "user_id", default=None, help="Only this user id (default: every user).")
def reconcile_stats(user_id):
    """Recompute statistics from the transactions, repair drift, print what was repaired."""
    result = run_task("transactions.reconcile_stats", {"user_id": user_id}, timeout=600)
    repairs = result["repairs"]
    click.echo(f"checked {result['users_checked']} user(s); {len(repairs)} figure(s) repaired")
    for repair in repairs:
        click.echo(f"  user {repair['user_id']} {repair['figure']}: {repair['was']} -> {repair['now']}")


# ---- smoke ----
@cli.command()
@click.option("--url", required=True, help="Base URL of the running deployment, e.g. http://localhost:8000.")
@click.option("--key", required=True, envvar="SMOKE_API_KEY", help="An admin API key (or set SMOKE_API_KEY).")
def smoke(url, key):
    """End-to-end check of a running deployment over HTTP; one line per step, exit 1 on a failure."""
    from ops.smoke import Smoke

    sys.exit(Smoke(url, key, echo=click.echo).run())


if __name__ == "__main__":
    cli()
