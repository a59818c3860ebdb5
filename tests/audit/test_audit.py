"""The audit trail: one record per /api/v1 write and per 401/403, ids only; listed newest first by
admins, cursor-paged and filtered; purged after AUDIT_RETENTION_DAYS; an outage never fails a request."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from bson import ObjectId
from pymongo.errors import ServerSelectionTimeoutError

from tests.support import make_key
from webapp.apikeys.services import authenticate
from webapp.audit.models import AuditRecord

PERSON = {"name": "Abena Pokua", "email": "abena.pokua@example.com", "phone_number": "+233244556677"}


def _records() -> list[dict]:
    return list(AuditRecord._get_collection().find({}).sort([("_id", 1)]))


def test_writes_and_refusals_are_recorded_with_ids_only(client, write_key):
    key_id = str(authenticate(write_key).id)
    created = client.post("/api/v1/users", json=PERSON, headers={"X-API-Key": write_key})
    user_id = created.get_json()["id"]
    client.get(f"/api/v1/users/{user_id}", headers={"X-API-Key": write_key})  # a read: not recorded
    client.get("/api/v1/users")  # no key: 401
    read_key = make_key("read")
    client.delete(f"/api/v1/users/{user_id}", headers={"X-API-Key": read_key})  # 403
    erased = client.delete(f"/api/v1/users/{user_id}", headers={"X-API-Key": write_key})
    client.delete("/api/v1/customers/cust-9/data", headers={"X-API-Key": write_key})

    rows = _records()
    summary = [(r["method"], r["route"], r["resource_id"], r["status"]) for r in rows]
    assert summary == [
        ("POST", "/api/v1/users", None, 201),
        ("GET", "/api/v1/users", None, 401),
        ("DELETE", "/api/v1/users/<user_id>", user_id, 403),
        ("DELETE", "/api/v1/users/<user_id>", user_id, 204),
        ("DELETE", "/api/v1/customers/<customer_id>/data", "cust-9", 200),
    ]
    assert [r["api_key_id"] for r in rows] == [key_id, None, str(authenticate(read_key).id), key_id, key_id]
    assert rows[0]["request_id"] == created.headers["X-Request-ID"]
    assert rows[3]["request_id"] == erased.headers["X-Request-ID"]
    assert all(r["client_ip"] == "127.0.0.1" for r in rows)
    stored = repr(rows)
    assert not [v for v in PERSON.values() if v in stored]


def test_admins_list_newest_first_by_cursor_with_filters(client, write_headers, admin_headers, read_headers):
    for i in range(5):
        client.post("/api/v1/users", json={**PERSON, "email": f"p{i}@example.com"}, headers=write_headers)
    client.post("/api/v1/users", json=PERSON, headers=read_headers)  # 403
    assert client.get("/api/v1/audit", headers=write_headers).status_code == 403

    first = client.get("/api/v1/audit", query_string={"page_size": 4}, headers=admin_headers).get_json()
    second = client.get(
        "/api/v1/audit", query_string={"page_size": 4, "cursor": first["next_cursor"]}, headers=admin_headers
    ).get_json()
    ids = [r["id"] for r in first["items"] + second["items"]]
    assert ids == [str(r["_id"]) for r in reversed(_records())]
    assert second["next_cursor"] is None and len(ids) == 7  # 5 creations, the 403, the write key's 403 above
    refused = client.get("/api/v1/audit", query_string={"status": 403}, headers=admin_headers).get_json()["items"]
    assert [r["method"] for r in refused] == ["GET", "POST"]
    by_key = {
        r["api_key_id"]
        for r in client.get(
            "/api/v1/audit", query_string={"method": "POST", "status": 201}, headers=admin_headers
        ).get_json()["items"]
    }
    assert len(by_key) == 1
    only = client.get("/api/v1/audit", query_string={"api_key_id": by_key.pop()}, headers=admin_headers)
    assert len(only.get_json()["items"]) == 6  # its 5 creations and its refused listing
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert client.get("/api/v1/audit", query_string={"since": future}, headers=admin_headers).get_json() == {
        "items": [],
        "next_cursor": None,
    }
    everything = client.get("/api/v1/audit", query_string={"until": future}, headers=admin_headers).get_json()
    assert len(everything["items"]) == 7  # the admin's listings succeeded: GETs are not recorded
    bad = client.get("/api/v1/audit", query_string={"cursor": "abc"}, headers=admin_headers)
    assert bad.status_code == 422 and bad.get_json()["code"] == 422


def test_a_database_outage_never_fails_the_request_and_is_logged_once(client, write_headers, monkeypatch, caplog):
    collection = AuditRecord._get_collection()

    def down(*_args, **_kwargs):
        raise ServerSelectionTimeoutError("no servers")

    monkeypatch.setattr(collection, "insert_one", down)  # the driver's call: the database is away
    with caplog.at_level(logging.INFO, logger="webapp.audit.recorder"):
        for i in range(3):
            response = client.post("/api/v1/users", json={**PERSON, "email": f"o{i}@x.com"}, headers=write_headers)
            assert response.status_code == 201
        monkeypatch.undo()
        client.post("/api/v1/users", json={**PERSON, "email": "back@x.com"}, headers=write_headers)
    messages = [r.getMessage() for r in caplog.records if r.name == "webapp.audit.recorder"]
    assert messages == [
        "audit records are not being written: ServerSelectionTimeoutError",
        "audit records are written again",
    ]
    assert len(_records()) == 1


def test_the_purge_task_deletes_only_expired_records(app, worker, client, write_headers):
    from tasks.audit import purge

    old = datetime.now(UTC) - timedelta(days=366)
    AuditRecord._get_collection().insert_one(
        {"_id": ObjectId.from_datetime(old), "at": old, "method": "POST", "status": 201}
    )
    client.post("/api/v1/users", json=PERSON, headers=write_headers)
    assert purge.delay().get(timeout=10) == {"deleted": 1}
    assert purge.delay().get(timeout=10) == {"deleted": 0}
    assert [r["route"] for r in _records()] == ["/api/v1/users"]
    assert app.extensions["celery"].conf.beat_schedule["audit-purge"]["task"] == "audit.purge"
