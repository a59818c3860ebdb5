"""Helpers of the contract tier: run one operation from N threads at once, and read query plans.

`race` releases every thread through one barrier and shortens the interpreter's switch interval, so
the operations overlap as much as a single process allows. `plan_stages` walks an `explain` answer
(real MongoDB only: mongomock has no query planner); use it in tests marked `real_mongo`."""

from __future__ import annotations

import sys
import threading

import mongoengine

THREADS = 16


def race(operation, threads: int = THREADS) -> list:
    """Run `operation(i)` for i in range(threads) concurrently; their results (an exception raised by
    an operation is returned in its place). Each thread runs in the caller's app context, as every
    request and task does (stores seal personal fields with the app's cipher)."""
    from flask import current_app

    app = current_app._get_current_object()
    results: list = [None] * threads
    barrier = threading.Barrier(threads)

    def one(i: int) -> None:
        barrier.wait(30)
        try:
            with app.app_context():
                results[i] = operation(i)
        except Exception as exc:  # reported to the test, which decides whether it is allowed
            results[i] = exc

    saved = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        workers = [threading.Thread(target=one, args=(i,)) for i in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(60)
    finally:
        sys.setswitchinterval(saved)
    return results


def plan_stages(collection_name: str, query: dict, sort: list | None = None, limit: int = 0) -> list[str]:
    """Every stage name of the winning plan of `find(query).sort(sort).limit(limit)` (real MongoDB)."""
    cursor = mongoengine.get_db()[collection_name].find(query)
    if sort:
        cursor = cursor.sort(sort)
    if limit:
        cursor = cursor.limit(limit)
    plan = cursor.explain()["queryPlanner"]["winningPlan"]
    stages: list[str] = []
    pending = [plan]
    while pending:
        stage = pending.pop()
        stages.append(stage.get("stage", ""))
        pending.extend(stage.get("inputStages", []))
        if "inputStage" in stage:
            pending.append(stage["inputStage"])
        if "queryPlan" in stage:  # slot-based engine wraps the classic plan
            pending.append(stage["queryPlan"])
    return stages


def assert_indexed(collection_name: str, query: dict, sort: list | None = None, limit: int = 0) -> None:
    """The query is answered through an index (IXSCAN or an _id lookup) with no in-memory SORT and
    no collection scan."""
    stages = plan_stages(collection_name, query, sort, limit)
    assert "COLLSCAN" not in stages, stages
    assert "SORT" not in stages, stages
    assert {"IXSCAN", "IDHACK", "EXPRESS_IXSCAN", "EXPRESS_IDHACK"} & set(stages), stages
