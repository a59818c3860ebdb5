"""Helpers of the store contract tests: race N threads on one operation, tell a real MongoDB apart.

The tests run on the app's database: mongomock in `make test` (through the embedded write
serialization, which stands in for MongoDB's single-document atomicity), a real MongoDB when the
suite is pointed at one. They use only APIs both support.
"""

from __future__ import annotations

import sys
import threading

import mongoengine

THREADS = 16


def race(action, n: int = THREADS) -> list:
    """Run `action(i)` for i in 0..n-1 in n threads released at once; the results in order. An
    exception in any thread fails the caller with it."""
    barrier = threading.Barrier(n)
    results: list = [None] * n
    errors: list = []

    def run(i):
        try:
            barrier.wait(10)
            results[i] = action(i)
        except Exception as exc:  # surfaced below, in the test's thread
            errors.append(exc)

    saved = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often, so races show in a short run
    try:
        threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        sys.setswitchinterval(saved)
    if errors:
        raise errors[0]
    return results


def is_real_mongo() -> bool:
    """True when the default connection is a real MongoDB server (not the embedded mongomock)."""
    client = mongoengine.get_connection()
    return not type(client).__module__.startswith("mongomock")


def uses_index(cursor) -> bool:
    """Whether a query's winning plan reads an index (real MongoDB only: `explain`)."""
    plan = str(cursor.explain().get("queryPlanner", {}).get("winningPlan", {}))
    return "IXSCAN" in plan or "IDHACK" in plan or "EXPRESS" in plan


def sorts_in_memory(cursor) -> bool:
    """Whether a query's winning plan has an in-memory SORT stage (real MongoDB only)."""
    plan = str(cursor.explain().get("queryPlanner", {}).get("winningPlan", {}))
    return "'SORT'" in plan


def declare_indexes(*documents) -> None:
    """Create the documents' declared indexes now. MongoEngine creates them lazily on a class's
    first use and lets other threads use the collection meanwhile, so threads racing on a
    process's very first use could write before a unique index exists; a deployed database has
    them from the first start on."""
    for document in documents:
        document.ensure_indexes()
