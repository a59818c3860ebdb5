"""Progress of ingestion runs, mirrored into the cache Redis so that `manage.py ingest --wait` can
follow a run without a task: a status task would queue behind the very page tasks it reports on.

Contract: `publish(run_id)` writes the run's public state after each change made by the pipeline
tasks (best effort: the run itself lives in MongoDB, a failed write is logged and skipped). A state
never replaces a newer one (more pages done, or a final status), whatever order concurrent page
tasks write in. `read(client, run_id)` needs only a Redis client, no app and no database, so it
works from a separate process in every mode. Entries expire after a day.
"""

from __future__ import annotations

import json
import logging

from webapp.assets.services import get_run
from webapp.extensions import get_redis

log = logging.getLogger(__name__)

KEY = "fido:assets:run-progress:{}"
TTL_SECONDS = 86400
FINAL = ("succeeded", "failed")
COUNTERS = ("pages_total", "pages_done", "assets_ingested", "prices_ingested", "items_rejected")
FIELDS = (
    "id",
    "status",
    "pages_total",
    "pages_done",
    "assets_ingested",
    "prices_ingested",
    "items_rejected",
    "snapshot_id",
    "duration_ms",
)

# KEYS[1] = entry; ARGV = version, state JSON, ttl. Writes only if the version does not go back.
_WRITE_IF_NEWER = """
local current = redis.call('HGET', KEYS[1], 'version')
if current and tonumber(current) > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'state', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
"""


def run_state(run_id) -> dict:
    """The run's public state as the CLI shows it (NotFound when unknown)."""
    run = get_run(run_id)
    state = {k: run.get(k, 0 if k in COUNTERS else None) for k in FIELDS}
    state["id"] = str(run["_id"])
    state["snapshot_id"] = str(run["snapshot_id"]) if run.get("snapshot_id") else None
    return state | {"errors": [e.get("message") for e in run.get("errors", [])][:20]}


def publish(run_id) -> None:
    try:
        state = run_state(run_id)
        version = (state["pages_done"] or 0) + (10**9 if state["status"] in FINAL else 0)
        body = json.dumps(state, default=str)
        get_redis().eval(_WRITE_IF_NEWER, 1, KEY.format(state["id"]), version, body, TTL_SECONDS)
    except Exception as exc:  # noqa: BLE001  (progress is advisory; the run's record is in MongoDB)
        log.warning("could not publish the progress of ingestion run %s: %s", run_id, type(exc).__name__)


def read(client, run_id: str) -> dict | None:
    """The last published state of run `run_id`, or None if none was published (yet)."""
    body = client.hget(KEY.format(run_id), "state")
    return json.loads(body) if body else None
