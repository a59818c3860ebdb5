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

from config.settings import ConfigError, is_embedded_mongo, load_config


def _settings():
    try:
        return load_config()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _app():
    from webapp import create_app

    try:
        return create_app()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _refuse_embedded(settings, what: str) -> None:
    if is_embedded_mongo(settings.MONGO_URI):
        raise click.ClickException(
            f"'{what}' runs as a separate process and cannot share the embedded in-process database "
            f"(MONGO_URI={settings.MONGO_URI}). Set MONGO_URI=mongodb://... or use 'python manage.py run'."
        )


def run_task(name: str, kwargs: dict | None = None, timeout: float = 120.0, on_wait=None):
    """Enqueue task `name` on the running system and return its result (ClickException on failure)."""
    from celery.exceptions import TimeoutError as CeleryTimeout

    celery = _app().extensions["celery"]
    try:
        result = celery.send_task(name, kwargs=kwargs or {})
    except Exception as exc:  # broker unreachable
        raise click.ClickException(f"could not enqueue {name}: {exc}") from None
    try:
        if on_wait is not None:
            return on_wait(result)
        return result.get(timeout=timeout)
    except CeleryTimeout:
        raise click.ClickException(
            f"{name} got no answer within {timeout:.0f}s: is the service running "
            "('python manage.py run', or 'python manage.py worker')?"
        ) from None
    finally:
        result.forget()


def _echo_json(value) -> None:
    click.echo(json.dumps(value, indent=2, default=str))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli():
    """Fido back office: run the service and operate it."""


@cli.command()
@click.option("--with-flower", is_flag=True, help="Also start flower on the same broker.")
def run(with_flower):
    """Embedded mode: API, Celery worker and beat in ONE process (shares the in-process database)."""
    from workers.runner import run_embedded

    sys.exit(run_embedded(_settings(), with_flower=with_flower))


@cli.command()
def api():
    """Serve the API with gunicorn (deployment mode)."""
    settings = _settings()
    _refuse_embedded(settings, "api")
    here = os.path.dirname(os.path.abspath(__file__))
    os.execvp(
        sys.executable,
        [sys.executable, "-m", "gunicorn", "-c", os.path.join(here, "config", "gunicorn.py"), "webapp:create_app()"],
    )


@cli.command()
@click.option("--queues", "-Q", default="default,notifications,ingestion", show_default=True)
@click.option("--concurrency", "-c", type=int, default=None, help="Default: WORKER_CONCURRENCY.")
def worker(queues, concurrency):
    """A Celery worker with task events on (deployment mode)."""
    settings = _settings()
    _refuse_embedded(settings, "worker")
    os.execvp(
        sys.executable,
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "workers.celery_app",
            "worker",
            "-E",
            "-Q",
            queues,
            "--concurrency",
            str(concurrency or settings.WORKER_CONCURRENCY),
            "--loglevel",
            settings.LOG_LEVEL,
        ],
    )


@cli.command()
def beat():
    """The one celery beat of a deployment (run exactly one)."""
    settings = _settings()
    _refuse_embedded(settings, "beat")
    os.execvp(
        sys.executable,
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "workers.celery_app",
            "beat",
            "-s",
            settings.BEAT_SCHEDULE_FILE,
            "--loglevel",
            settings.LOG_LEVEL,
        ],
    )


@cli.command()
def flower():
    """Flower on the broker, with basic auth from FLOWER_BASIC_AUTH (user:password)."""
    settings = _settings()
    _refuse_embedded(settings, "flower")
    if not settings.FLOWER_BASIC_AUTH:
        raise click.ClickException("set FLOWER_BASIC_AUTH=user:password; flower must not run unauthenticated")
    from workers.runner import flower_command

    cmd = flower_command(settings)
    os.execvp(cmd[0], cmd)


# ---- API keys -------------------------------------------------------------------------------
# With a real MongoDB these commands use the database directly (the service need not run). With the
# embedded database only the running `run` process holds the keys, so they go through its worker.


def _keys_call(action: str, **kwargs):
    settings = _settings()
    if is_embedded_mongo(settings.MONGO_URI):
        return run_task(f"apikeys.{action}", kwargs, timeout=15)
    from tasks import apikeys

    _app()
    return getattr(apikeys, f"{action}_key" if action != "list" else "list_keys")(**kwargs)


@cli.command("create-api-key")
@click.option("--name", required=True)
@click.option("--scope", required=True, type=click.Choice(["read", "write", "admin"]))
def create_api_key(name, scope):
    """Create a key and print it (the only time it is shown)."""
    created = _keys_call("create", name=name, scope=scope)
    click.echo(f"id:    {created['id']}\nscope: {created['scope']}\nkey:   {created['key']}")


@cli.command("list-api-keys")
def list_api_keys():
    """List active keys (never their secrets)."""
    for item in _keys_call("list"):
        click.echo(f"{item['id']}  {item['scope']:<5}  {item['prefix']}…  {item['name']}  {item['created_at']}")


@cli.command("revoke-api-key")
@click.argument("key_id")
def revoke_api_key(key_id):
    """Revoke a key by id; it stops working at once."""
    result = _keys_call("revoke", key_id=key_id)
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


if __name__ == "__main__":
    cli()
