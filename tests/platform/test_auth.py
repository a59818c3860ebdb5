"""API keys: authentication, scopes, revocation, management over HTTP."""

from webapp.apikeys.models import ApiKey
from webapp.apikeys.services import hash_key


def test_missing_and_wrong_keys_are_401(client):
    assert client.get("/api/v1/api-keys").status_code == 401
    assert client.get("/api/v1/api-keys", headers={"X-API-Key": "fido_wrong"}).status_code == 401
    assert client.get("/api/v1/api-keys", headers={"Authorization": "Bearer fido_wrong"}).status_code == 401
    assert client.get("/api/v1/api-keys", headers={"X-API-Key": "x" * 5000}).status_code == 401


def test_bearer_header_is_accepted(client, admin_key):
    assert client.get("/api/v1/api-keys", headers={"Authorization": f"Bearer {admin_key}"}).status_code == 200


def test_scopes(client, read_headers, write_headers, admin_headers):
    # Key management is admin-only, whatever the method.
    for headers in (read_headers, write_headers):
        response = client.get("/api/v1/api-keys", headers=headers)
        assert response.status_code == 403
        assert response.get_json()["code"] == 403
        assert client.post("/api/v1/api-keys", headers=headers, json={"name": "a", "scope": "read"}).status_code == 403
    assert client.get("/api/v1/api-keys", headers=admin_headers).status_code == 200


def test_method_scope_rule_read_cannot_write(app, client, read_headers, write_headers):
    from webapp.auth import SAFE_METHODS, scope_allows

    assert "GET" in SAFE_METHODS and "POST" not in SAFE_METHODS
    assert scope_allows("read", "read") and not scope_allows("read", "write")
    assert scope_allows("write", "write") and not scope_allows("write", "admin")
    assert scope_allows("admin", "write")
    # A read key is refused a write before the route is even looked at.
    assert client.delete("/api/v1/api-keys/abc", headers=read_headers).status_code == 403


def test_created_key_is_shown_once_and_stored_hashed(client, admin_headers):
    response = client.post("/api/v1/api-keys", headers=admin_headers, json={"name": "ci", "scope": "write"})
    assert response.status_code == 201
    created = response.get_json()
    assert set(created) >= {"id", "name", "scope", "key", "created_at"}
    stored = ApiKey.objects.get(id=created["id"])
    assert stored.key_hash == hash_key(created["key"]) and created["key"] not in str(stored.to_mongo())
    listing = client.get("/api/v1/api-keys", headers=admin_headers).get_json()["items"]
    assert created["id"] in [item["id"] for item in listing]
    assert all("key" not in item and "key_hash" not in item for item in listing)
    # The new key works with its scope.
    assert client.get("/api/v1/no-such", headers={"X-API-Key": created["key"]}).status_code == 404


def test_revoked_key_stops_working_at_once(client, admin_headers):
    created = client.post("/api/v1/api-keys", headers=admin_headers, json={"name": "t", "scope": "admin"}).get_json()
    own = {"X-API-Key": created["key"]}
    assert client.get("/api/v1/api-keys", headers=own).status_code == 200
    assert client.delete(f"/api/v1/api-keys/{created['id']}", headers=admin_headers).status_code == 204
    assert client.get("/api/v1/api-keys", headers=own).status_code == 401
    assert client.delete(f"/api/v1/api-keys/{created['id']}", headers=admin_headers).status_code == 404
    assert client.delete("/api/v1/api-keys/not-an-id", headers=admin_headers).status_code == 404


def test_admin_api_key_setting_is_ensured(app):
    from webapp.apikeys.services import authenticate, ensure_key

    ensure_key("admin (ADMIN_API_KEY)", "admin", "configured-admin-key")
    ensure_key("admin (ADMIN_API_KEY)", "admin", "configured-admin-key")  # idempotent
    assert ApiKey.objects(key_hash=hash_key("configured-admin-key")).count() == 1
    assert authenticate("configured-admin-key").scope == "admin"


def test_a_changed_start_up_key_revokes_the_previous_one(app):
    """A new ADMIN_API_KEY value, or the key a new `manage.py run` generates, replaces the previous
    one of that name: with the embedded database kept on disk the old key would otherwise stay valid."""
    from webapp.apikeys.services import authenticate, create_key, ensure_key

    ensure_key("admin (embedded runner)", "admin", "generated-by-first-run")
    other = create_key("reporting", "read")[1]
    ensure_key("admin (embedded runner)", "admin", "generated-by-second-run")
    assert authenticate("generated-by-first-run") is None
    assert authenticate("generated-by-second-run").scope == "admin"
    assert authenticate(other).scope == "read"  # keys of other names are untouched
