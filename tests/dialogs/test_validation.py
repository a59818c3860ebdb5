"""Bad ids, bodies, query values and keys: a clear 4xx in the error envelope, never a 500."""

from __future__ import annotations

import pytest

from webapp.dialogs.models import Dialog

BAD_IDS = ["a" * 129, "has space", "dollar$", "semi;colon", "ümlaut", "star*", "%7B%22%24gt%22%3A%22%22%7D"]


def _assert_422(response, location, field=None):
    assert response.status_code == 422, response.json
    assert response.json["code"] == 422
    errors = response.json["errors"][location]
    if field:
        assert field in errors, errors


@pytest.mark.parametrize("bad", BAD_IDS)
def test_bad_ids_are_422_on_every_endpoint(dialogs, bad):
    _assert_422(dialogs.message(bad, "d"), "path", "customer_id")
    _assert_422(dialogs.message("c", bad), "path", "dialog_id")
    _assert_422(dialogs.get(bad, "d"), "path", "customer_id")
    _assert_422(dialogs.delete("c", bad), "path", "dialog_id")
    _assert_422(dialogs.consent(bad, True), "path", "dialog_id")
    _assert_422(dialogs.erase(bad), "path", "customer_id")
    assert Dialog.objects.count() == 0


def test_longest_and_richest_valid_ids_are_accepted(dialogs):
    long_id = "A-z_0.9:" * 16  # 128 characters of every allowed kind
    assert dialogs.message(long_id, long_id).status_code == 201
    assert dialogs.consent(long_id, True).status_code == 200
    assert dialogs.get(long_id, long_id).json["dialog_id"] == long_id


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"language": "en"}, "text"),
        ({"text": "", "language": "en"}, "text"),
        ({"text": "x" * 10_001, "language": "en"}, "text"),
        ({"text": {"$gt": ""}, "language": "en"}, "text"),
        ({"text": ["a"], "language": "en"}, "text"),
        ({"text": 5, "language": "en"}, "text"),
        ({"text": "hi"}, "language"),
        ({"text": "hi", "language": "e"}, "language"),
        ({"text": "hi", "language": "eng"}, "language"),
        ({"text": "hi", "language": "xx"}, "language"),
        ({"text": "hi", "language": {"$gt": ""}}, "language"),
        ({"text": "hi", "language": 12}, "language"),
        ({"text": "hi", "language": "en", "extra": 1}, "extra"),
    ],
)
def test_bad_message_bodies_are_422(dialogs, body, field):
    response = dialogs.client.post("/api/v1/data/c/d", json=body, headers=dialogs.headers)
    _assert_422(response, "json", field)
    assert Dialog.objects.count() == 0


@pytest.mark.parametrize("body", [[{"text": "hi", "language": "en"}], "hi", None, 3])
def test_message_body_that_is_not_an_object_is_422(dialogs, body):
    response = dialogs.client.post("/api/v1/data/c/d", json=body, headers=dialogs.headers)
    assert response.status_code == 422


def test_message_of_exactly_10000_characters_is_accepted(dialogs):
    assert dialogs.message("c", "d", "é" * 10_000).status_code == 201


def test_non_json_body_is_415(dialogs):
    response = dialogs.client.post("/api/v1/data/c/d", data="text=hi", headers=dialogs.headers)
    assert response.status_code == 415


@pytest.mark.parametrize(
    "body",
    ["true", "false", 1, 0, None, [True], {}, {"consent": "true"}, {"consent": 1}, {"consent": None},
     {"consent": {"$gt": ""}}, {"consent": True, "extra": 1}, {"granted": True}],
)  # fmt: skip
def test_consent_body_that_is_not_a_boolean_is_422(dialogs, body):
    dialogs.message("c", "d")
    response = dialogs.consent("d", body)
    assert response.status_code == 422, response.json
    assert response.json["code"] == 422
    assert Dialog.objects.get(dialog_id="d").consent == "pending"


def test_consent_without_body_is_422(dialogs):
    dialogs.message("c", "d")
    response = dialogs.client.post("/api/v1/consents/d", headers=dialogs.headers)
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"page": 0}, "page"),
        ({"page": "x"}, "page"),
        ({"page_size": 101}, "page_size"),
        ({"page_size": 0}, "page_size"),
        ({"language": "english"}, "language"),
        ({"language": "zz"}, "language"),
        ({"language": '{"$gt": ""}'}, "language"),
        ({"customerId": '{"$gt": ""}'}, "customerId"),
        ({"customer_id": "a b"}, "customer_id"),
        ({"customerId": "a", "customer_id": "b"}, "customerId"),
    ],
)
def test_bad_list_queries_are_422(dialogs, query, field):
    _assert_422(dialogs.list(**query), "query", field)


def test_same_customer_in_both_spellings_is_fine(dialogs):
    assert dialogs.list(customerId="c", customer_id="c").status_code == 200


def test_keys_and_scopes(client, read_headers):
    assert client.get("/api/v1/data").status_code == 401
    assert client.post("/api/v1/data/c/d", json={"text": "hi", "language": "en"}).status_code == 401
    assert client.get("/api/v1/data", headers=read_headers).status_code == 200
    forbidden = client.post("/api/v1/data/c/d", json={"text": "hi", "language": "en"}, headers=read_headers)
    assert forbidden.status_code == 403
    assert client.post("/api/v1/consents/d", json=True, headers=read_headers).status_code == 403
    assert client.delete("/api/v1/customers/c/data", headers=read_headers).status_code == 403


def test_openapi_documents_both_consent_bodies(client):
    spec = client.get("/api/openapi.json").json
    body = spec["paths"]["/api/v1/consents/{dialog_id}"]["post"]["requestBody"]
    shapes = body["content"]["application/json"]["schema"]["oneOf"]
    assert {"type": "boolean"}.items() <= shapes[0].items()
    assert shapes[1]["properties"] == {"consent": {"type": "boolean"}}
