"""Key rotation: with a new key first in FIELD_ENCRYPTION_KEYS, `encryption.rotate` re-seals every
value under it while requests keep writing; afterwards the new key alone reads everything, and a
second run has nothing left to do. `GET /api/v1/admin/encryption` counts values per key id."""

from __future__ import annotations

import threading

from tests.support import wait_for
from webapp.crypto import FieldCipher, build_cipher, new_key
from webapp.dialogs.models import Dialog
from webapp.settings import changed, current
from webapp.transactions.models import Transaction
from webapp.users.models import User

USERS = 260  # more than one page (200) of users


def _cipher(app, *keys: str) -> FieldCipher:
    """The cipher a restart with FIELD_ENCRYPTION_KEYS=keys would build (same index key)."""
    return build_cipher(changed(current(app), FIELD_ENCRYPTION_KEYS=keys).platform)


def _person(n: int) -> dict:
    return {"name": f"Person Number{n}", "email": f"person{n}@example.com", "phone_number": f"+2332{n:08d}"}


def _sealed_values() -> list[str]:
    values = []
    for doc in User._get_collection().find({}):
        values += [doc["name"], doc["email"], doc["phone_number"]]
    values += [doc["full_name"] for doc in Transaction._get_collection().find({})]
    values += [m["text"] for doc in Dialog._get_collection().find({}) for m in doc["messages"]]
    return values


def test_rotation_under_load_leaves_everything_readable_under_the_new_key_alone(
    app, client, write_headers, admin_headers, worker, monkeypatch
):
    from tasks.encryption import rotate, start_rotation
    from webapp.encryption.services import rotation_state

    old, new = new_key(), new_key()
    monkeypatch.setitem(app.extensions, "field_cipher", _cipher(app, old))
    ids = [client.post("/api/v1/users", json=_person(n), headers=write_headers).get_json()["id"] for n in range(USERS)]
    txn = {"user_id": ids[0], "full_name": "Kwabena Old", "transaction_date": "2026-01-02T00:00:00Z"}
    txn |= {"transaction_amount": "5.00", "transaction_type": "debit"}
    txn_id = client.post("/api/v1/transactions", json=txn, headers=write_headers).get_json()["id"]
    client.post("/api/v1/data/c-1/d-1", json={"text": "old secret words", "language": "en"}, headers=write_headers)
    before = client.get("/api/v1/admin/encryption", headers=admin_headers).get_json()
    old_id = _cipher(app, old).primary
    assert before["values"] == [{"key_id": old_id, "count": USERS * 3 + 2, "configured": True}]

    monkeypatch.setitem(app.extensions, "field_cipher", _cipher(app, new, old))  # the restart with the new key
    stop = threading.Event()
    written: list[str] = []

    def load():  # requests writing while the rotation runs
        n = USERS
        while not stop.is_set():
            made = client.post("/api/v1/users", json=_person(n), headers=write_headers)
            written.append(made.get_json()["id"])
            client.patch(f"/api/v1/users/{ids[n % USERS]}", json={"name": f"Renamed {n}"}, headers=write_headers)
            client.post(
                "/api/v1/data/c-1/d-1", json={"text": f"new words {n}", "language": "en"}, headers=write_headers
            )
            n += 1

    writer = threading.Thread(target=load)
    writer.start()
    try:
        started = start_rotation.delay().get(timeout=30)
        assert started["status"] == "running" and started["total"] >= USERS + 2
        wait_for(lambda: rotation_state(started["id"])["status"] != "running", timeout=120, message="rotation done")
        finished = rotation_state(started["id"])
    finally:
        stop.set()
        writer.join(30)
    assert written, "requests were writing during the rotation"
    assert finished["status"] == "succeeded" and finished["unreadable"] == 0

    monkeypatch.setitem(app.extensions, "field_cipher", _cipher(app, new))  # the old key dropped
    alone = app.extensions["field_cipher"]
    assert [alone.open(v) for v in _sealed_values()]  # every value opens under the new key alone
    assert {FieldCipher.key_of(v) for v in _sealed_values()} == {alone.primary}
    shown = client.get(f"/api/v1/users/{ids[-1]}", headers=write_headers).get_json()
    assert (shown["email"], shown["phone_number"]) == (f"person{USERS - 1}@example.com", f"+2332{USERS - 1:08d}")
    assert client.get(f"/api/v1/transactions/{txn_id}", headers=write_headers).get_json()["full_name"] == "Kwabena Old"
    usage = client.get("/api/v1/admin/encryption", headers=admin_headers).get_json()
    assert [v["key_id"] for v in usage["values"]] == [alone.primary] and usage["unsealed"] == 0
    assert usage["last_rotation"]["status"] == "succeeded"

    again = start_rotation.delay().get(timeout=30)
    assert rotate.delay(again["id"]).get(timeout=60)["resealed"] == 0
    assert client.post("/api/v1/users", json=_person(0), headers=write_headers).status_code == 409  # index kept


def test_the_admin_view_needs_the_admin_scope(client, write_headers):
    assert client.get("/api/v1/admin/encryption", headers=write_headers).status_code == 403


def test_a_write_racing_the_reseal_does_not_leave_the_other_fields_under_the_old_key(
    app, client, write_headers, monkeypatch
):
    """The compare-and-set of a document loses to a concurrent write of one of its fields (a renamed
    user); the document is read again and its other fields are still resealed."""
    from webapp.reseal import _reseal_one

    old, new = new_key(), new_key()
    monkeypatch.setitem(app.extensions, "field_cipher", _cipher(app, old))
    user_id = client.post("/api/v1/users", json=_person(1), headers=write_headers).get_json()["id"]
    collection = User._get_collection()
    stale = collection.find_one({})  # what the rotation read: all three fields under the old key
    keys = _cipher(app, new, old)
    monkeypatch.setitem(app.extensions, "field_cipher", keys)
    client.patch(f"/api/v1/users/{user_id}", json={"name": "Renamed Meanwhile"}, headers=write_headers)
    _reseal_one(collection, ("name", "email", "phone_number"), (), keys, stale)
    doc = collection.find_one({})
    assert {FieldCipher.key_of(doc[f]) for f in ("name", "email", "phone_number")} == {keys.primary}
