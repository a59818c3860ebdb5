"""A separate `celery worker --pool threads` process on the benchmark broker, configured like the
embedded runner's worker (the same queues; no heartbeat, mingle or gossip): the platform
benchmark's baseline."""

from __future__ import annotations

import sys

from bench.support import configure_env
from config.celery import QUEUES


def main(concurrency: str) -> None:
    configure_env()
    from webapp import create_app

    celery = create_app().extensions["celery"]
    celery.worker_main(
        [
            "worker",
            "--pool=threads",
            f"--concurrency={concurrency}",
            f"--queues={','.join(QUEUES)}",  # all of them, as the embedded worker and `manage.py worker`
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "--hostname=bench-remote@local",
            "--loglevel=WARNING",
        ]
    )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "4")
