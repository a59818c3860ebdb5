"""The error envelope, body rules and request ids, over HTTP through the test client."""

import flask
import pytest

from tests.support import override_settings


def assert_envelope(response, status):
    assert response.status_code == status
    body = response.get_json()
    assert body["code"] == status
    assert isinstance(body["status"], str) and body["status"]
    assert isinstance(body["message"], str) and body["message"]
    return body


def test_unknown_route_is_404_in_envelope(client):
    assert_envelope(client.get("/no/such/route"), 404)


def test_unknown_api_route_needs_a_key_first(client, read_headers):
    assert_envelope(client.get("/api/v1/no-such-thing"), 401)
    assert_envelope(client.get("/api/v1/no-such-thing", headers=read_headers), 404)


def test_405_carries_allow(client, admin_headers):
    response = client.put("/api/v1/api-keys", headers=admin_headers, json={})
    assert_envelope(response, 405)
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_413_for_body_over_max_content_length(client, admin_headers, app, monkeypatch):
    override_settings(app, monkeypatch, MAX_CONTENT_LENGTH=1024)
    response = client.post("/api/v1/api-keys", headers=admin_headers, json={"name": "x" * 2000, "scope": "read"})
    assert_envelope(response, 413)


def test_415_for_non_json_body(client, admin_headers):
    response = client.post("/api/v1/api-keys", headers=admin_headers, data="name=a&scope=read")
    assert_envelope(response, 415)


def test_invalid_json_is_400(client, admin_headers):
    response = client.post("/api/v1/api-keys", headers=admin_headers, data="{not json", content_type="application/json")
    assert_envelope(response, 400)


@pytest.mark.parametrize(
    "body",
    [
        {"name": "k", "scope": "read", "extra": 1},
        {"name": {"$gt": ""}, "scope": "read"},
        {"name": ["a"], "scope": "read"},
        {"name": "k", "scope": "root"},
        {"name": "", "scope": "read"},
        {"scope": "read"},
        [],
        "text",
    ],
)
def test_bad_bodies_are_422_with_field_errors_and_store_nothing(client, admin_headers, body):
    from webapp.apikeys.models import ApiKey

    before = ApiKey.objects.count()
    response = client.post("/api/v1/api-keys", headers=admin_headers, json=body)
    envelope = assert_envelope(response, 422)
    assert envelope["errors"]
    assert ApiKey.objects.count() == before


def test_unknown_field_is_named_in_errors(client, admin_headers):
    response = client.post("/api/v1/api-keys", headers=admin_headers, json={"name": "k", "scope": "read", "x": 1})
    assert "x" in str(response.get_json()["errors"])


def test_unexpected_exception_is_500_without_internals(app):
    # Flask hands any exception a view raises to the registered handlers; feed it one directly.
    with app.test_request_context("/api/v1/anything"):
        response = app.make_response(app.handle_user_exception(RuntimeError("secret internals")))
    assert response.status_code == 500
    body = response.get_json()
    assert body == {"code": 500, "status": "Internal Server Error", "message": "Internal server error."}
    assert "secret" not in response.get_data(as_text=True)


def test_request_id_is_echoed_or_generated(client):
    assert client.get("/health/live", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    generated = client.get("/health/live").headers["X-Request-ID"]
    assert len(generated) == 32
    unsafe = client.get("/health/live", headers={"X-Request-ID": "bad id <script>"}).headers["X-Request-ID"]
    assert unsafe != "bad id <script>" and len(unsafe) == 32


def test_errors_carry_request_id(client):
    assert client.get("/nope", headers={"X-Request-ID": "r-1"}).headers["X-Request-ID"] == "r-1"


def test_docs_and_spec_are_public_and_local(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert "/api/docs/static/swagger-ui-bundle.js" in page.get_data(as_text=True)
    assert client.get("/api/docs/static/swagger-ui-bundle.js").status_code == 200
    spec = client.get("/api/openapi.json").get_json()
    assert "/api/v1/api-keys" in spec["paths"]
    assert "ApiKeyHeader" in spec["components"]["securitySchemes"]


def test_absurdly_nested_json_is_400_not_500(client, admin_headers):
    body = "[" * 100_000 + "]" * 100_000
    response = client.post("/api/v1/api-keys", headers=admin_headers, data=body, content_type="application/json")
    assert_envelope(response, 400)


def test_json_with_a_lone_surrogate_is_400(client, admin_headers):
    body = '{"name": "\\ud800", "scope": "read"}'  # valid JSON text, but no database can store it
    response = client.post("/api/v1/api-keys", headers=admin_headers, data=body, content_type="application/json")
    assert_envelope(response, 400)


def test_no_cookie_session_is_kept(app, client):
    """Stateless API: no session cookie is ever set, and the request's session refuses writes."""
    response = client.get("/health/live", headers={"Cookie": "session=forged.value.here"})
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    with app.test_request_context("/health/live"):
        app.preprocess_request()
        with pytest.raises(RuntimeError, match="session is unavailable"):
            flask.session["user"] = "x"
