"""Helpers of manage.py's operator commands: following an ingestion run or a key rotation, releasing
task results.

`follow_run` reads the progress the pipeline publishes in Redis (webapp/assets/progress.py): no
task, so it never waits behind the page tasks it reports on; only while nothing is published does
it ask `assets.run_status`, which runs on the `default` queue. On a terminal the bar is redrawn
twice a second with the elapsed time; into a pipe or file one line is written per change. A Redis
that stops answering ends it with one line naming it.
"""

from __future__ import annotations

import sys
import time

import click
import redis
from celery.result import AsyncResult

from config.fields import mask_url


def detach_result(result) -> None:
    """Detach `result` and the child results it carries (a chord's page tasks) from the backend.
    Left to their `__del__` at interpreter exit, each would unsubscribe while Python is shutting
    down and print a traceback."""
    seen, stack = set(), [result]
    while stack:
        item = stack.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        stack.extend(getattr(item, "results", None) or [])  # a GroupResult's members
        stack.append(getattr(item, "parent", None))
        cache = getattr(item, "_cache", None) or {}
        stack.extend(cache.get("children") or [])
        if isinstance(item, AsyncResult) and item is not result:
            item.backend = None


def progress_line(run: dict) -> str:
    total, done = run.get("pages_total") or 0, run.get("pages_done") or 0
    width = 30
    filled = width * done // total if total else 0
    return f"pages {done}/{total} [{'#' * filled}{'.' * (width - filled)}] {run.get('status')}"


def run_state(celery, cache, run_id: str) -> dict:
    from webapp.assets import progress

    state = progress.read(cache, run_id)
    if state is not None:
        return state
    status_result = celery.send_task("assets.run_status", kwargs={"run_id": run_id}, queue="default")
    try:
        return status_result.get(timeout=15)
    finally:
        detach_result(status_result)
        status_result.forget()
        status_result.backend = None


def _follow(kind: str, run_id: str, read, line_of, timeout: float, settings) -> dict:
    """Poll `read(cache)` (the run's state, from the cache Redis) twice a second and draw
    `line_of(state)`: redrawn in place on a terminal, one line per change otherwise. Returns the
    final state (succeeded or failed); a lost Redis or the `timeout` is one ClickException line."""
    cache = redis.Redis.from_url(settings.CACHE_REDIS_URL, socket_connect_timeout=5, socket_timeout=5)
    tty = sys.stdout.isatty()
    begun = time.monotonic()
    last = None
    while True:
        try:
            run = read(cache)
        except redis.RedisError:
            where = mask_url(settings.CACHE_REDIS_URL)
            raise click.ClickException(f"lost {kind} {run_id}: Redis at {where} unreachable") from None
        line = line_of(run)
        if tty:
            click.echo(f"\r{line} {time.monotonic() - begun:5.0f}s", nl=False)
        elif line != last:
            click.echo(line)
        last = line
        if run["status"] in ("succeeded", "failed"):
            if tty:
                click.echo()
            return run
        if time.monotonic() - begun > timeout:
            raise click.ClickException(f"{kind} {run_id} did not finish within {timeout:.0f}s")
        time.sleep(0.5)


def follow_run(result, wait: bool, timeout: float, settings):
    started = result.get(timeout=30)
    if started.get("status") == "conflict":
        return started
    click.echo(f"ingestion {started['id']} started ({started.get('pages_total') or '?'} pages)")
    if not wait:
        return started
    read = lambda cache: run_state(result.app, cache, started["id"])  # noqa: E731
    return _follow("run", started["id"], read, progress_line, timeout, settings)


def rotation_line(run: dict) -> str:
    total, done = run.get("total") or 0, min(run.get("scanned") or 0, run.get("total") or 0)
    width = 30
    filled = width * done // total if total else width
    return f"documents {done}/{total} [{'#' * filled}{'.' * (width - filled)}] {run.get('status')}"


def follow_rotation(result, wait: bool, timeout: float, settings):
    """Follow an `encryption.start_rotation` result: the run's progress mirrored in the cache Redis
    (`webapp.encryption.services.progress_key`), drawn like `follow_run`'s bar."""
    import json

    from webapp.encryption.services import progress_key

    started = result.get(timeout=30)
    if started.get("status") == "conflict" or not wait:
        return started
    click.echo(f"rotation {started['id']} started ({started['total']} documents, key {started['primary_key_id']})")
    latest = {"run": started}

    def read(cache) -> dict:  # the last mirrored state (the start's answer until the first mirror)
        raw = cache.get(progress_key(started["id"]))
        if raw:
            latest["run"] = json.loads(raw)
        return latest["run"]

    return _follow("rotation", started["id"], read, rotation_line, timeout, settings)
