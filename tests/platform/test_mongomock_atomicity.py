"""The embedded database (mongomock) must keep MongoDB's single-document write atomicity, since
the embedded mode runs API and worker threads in one process (see `webapp.embedded_db._patches`)."""

from __future__ import annotations

import threading

import mongoengine


def test_conditional_claims_from_many_threads_never_overshoot(app):
    collection = mongoengine.get_db()["atomicity_probe"]
    collection.insert_one({"_id": "cap", "n": 0})
    claims = []
    barrier = threading.Barrier(8)

    def claim():
        barrier.wait()
        for _ in range(60):
            if collection.find_one_and_update({"_id": "cap", "n": {"$lt": 100}}, {"$inc": {"n": 1}}):
                claims.append(1)

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert collection.find_one({"_id": "cap"})["n"] == 100
    assert len(claims) == 100


def test_conditional_delete_never_removes_a_document_changed_meanwhile(app):
    collection = mongoengine.get_db()["atomicity_probe"]
    collection.insert_many([{"_id": n, "state": "pending"} for n in range(300)])
    kept = []

    def change():
        for n in range(0, 300, 2):
            if collection.update_one({"_id": n, "state": "pending"}, {"$set": {"state": "kept"}}).modified_count:
                kept.append(n)

    def delete():
        for n in range(300):
            collection.delete_many({"_id": {"$in": [n]}, "state": "pending"})

    threads = [threading.Thread(target=change), threading.Thread(target=delete)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(doc["_id"] for doc in collection.find()) == sorted(kept)
