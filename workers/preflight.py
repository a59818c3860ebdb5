"""Start-up checks of the entry points: the MongoDB and the Redis a process needs must answer.

Each check either returns or prints ONE line naming the URL (password masked) and exits with
status 1, e.g. `Error: MongoDB at mongodb://db:27017/fido unreachable (timeout 5s)`, within its
timeout (MONGO_CONNECT_TIMEOUT_SECONDS, REDIS_CONNECT_TIMEOUT_SECONDS). No traceback. The embedded
database (mongomock://) lives in the process and needs no check.
"""

from __future__ import annotations

import sys
from typing import NoReturn

from config.fields import mask_url
from config.settings import is_embedded_mongo


def _fail(line: str) -> NoReturn:
    print(f"Error: {line}", file=sys.stderr, flush=True)
    raise SystemExit(1)


def mongo_problem(uri: str, timeout: float) -> str | None:
    """None when the MongoDB at `uri` answers a ping within `timeout` seconds, else why not."""
    import pymongo
    from pymongo.errors import OperationFailure, PyMongoError

    ms = int(timeout * 1000)
    try:
        client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=ms, connectTimeoutMS=ms, socketTimeoutMS=ms)
    except (PyMongoError, ValueError) as exc:  # a URI pymongo cannot use (bad options, no SRV record)
        return f"MongoDB at {mask_url(uri)} unusable: {type(exc).__name__}"
    try:
        client.admin.command("ping")
    except OperationFailure:
        return f"MongoDB at {mask_url(uri)} refused the credentials or the command"
    except PyMongoError:
        return f"MongoDB at {mask_url(uri)} unreachable (timeout {timeout:g}s)"
    finally:
        client.close()
    return None


def redis_problem(url: str, timeout: float) -> str | None:
    """None when the Redis at `url` answers a ping within `timeout` seconds, else why not."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    except ValueError:
        return f"Redis at {mask_url(url)} unusable: not a Redis URL"
    try:
        client.ping()
    except redis.AuthenticationError:
        return f"Redis at {mask_url(url)} refused the credentials"
    except (redis.RedisError, OSError):
        return f"Redis at {mask_url(url)} unreachable (timeout {timeout:g}s)"
    finally:
        client.close()
    return None


def require_mongo(settings) -> None:
    if not is_embedded_mongo(settings.MONGO_URI):
        problem = mongo_problem(settings.MONGO_URI, settings.MONGO_CONNECT_TIMEOUT_SECONDS)
        if problem:
            _fail(problem)


def require_redis(settings, url: str | None = None) -> None:
    problem = redis_problem(url or settings.CELERY_BROKER_URL, settings.REDIS_CONNECT_TIMEOUT_SECONDS)
    if problem:
        _fail(problem)
