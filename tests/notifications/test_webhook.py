"""Twilio status callbacks: signature checked (403 otherwise), statuses move forward only."""

import pytest
from bson import ObjectId
from twilio.request_validator import RequestValidator

from standins.twilio import AUTH_TOKEN
from tests.support import override_settings
from tests.transactions.helpers import make_txn, make_user, settled
from webapp.transactions.models import Transaction

PATH = "/api/v1/webhooks/twilio/status"


def _post(client, url_path, params, signed_url=None, token=AUTH_TOKEN, signature=None):
    if signature is None:
        signature = RequestValidator(token).compute_signature(signed_url or f"http://localhost{url_path}", params)
    return client.post(url_path, data=params, headers={"X-Twilio-Signature": signature})


@pytest.fixture
def sent(client, write_headers, worker, twilio):
    user = make_user(client, write_headers)
    return settled(client, write_headers, make_txn(client, write_headers, user["id"])["id"])


def _callback(sid, status, **extra):
    return {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC" + "0" * 32, "To": "+233241234567", **extra}


def test_signed_receipts_move_the_status_forward_only(client, write_headers, sent):
    sid = sent["notification"]["message_sid"]
    assert _post(client, PATH, _callback(sid, "delivered")).status_code == 204
    note = client.get(f"/api/v1/transactions/{sent['id']}", headers=write_headers).get_json()["notification"]
    assert note["status"] == "delivered"
    assert _post(client, PATH, _callback(sid, "sent")).status_code == 204  # late, out of order
    note = client.get(f"/api/v1/transactions/{sent['id']}", headers=write_headers).get_json()["notification"]
    assert note["status"] == "delivered"


def test_undelivered_records_error_code(client, write_headers, sent):
    sid = sent["notification"]["message_sid"]
    assert _post(client, PATH, _callback(sid, "undelivered", ErrorCode="30003")).status_code == 204
    note = client.get(f"/api/v1/transactions/{sent['id']}", headers=write_headers).get_json()["notification"]
    assert (note["status"], note["error_code"]) == ("undelivered", "30003")


def test_bad_or_missing_signature_is_403_and_changes_nothing(client, write_headers, sent):
    sid = sent["notification"]["message_sid"]
    params = _callback(sid, "failed")
    assert _post(client, PATH, params, token="wrong-token").status_code == 403
    assert _post(client, PATH, params, signature="").status_code == 403
    assert client.post(PATH, data=params).status_code == 403
    tampered = RequestValidator(AUTH_TOKEN).compute_signature(f"http://localhost{PATH}", _callback(sid, "delivered"))
    assert _post(client, PATH, params, signature=tampered).status_code == 403
    note = client.get(f"/api/v1/transactions/{sent['id']}", headers=write_headers).get_json()["notification"]
    assert note["status"] == "sent"


def test_public_base_url_is_the_signed_url(client, write_headers, sent, app, monkeypatch):
    override_settings(app, monkeypatch, PUBLIC_BASE_URL="https://fido.example.com/")
    params = _callback(sent["notification"]["message_sid"], "delivered")
    assert _post(client, PATH, params).status_code == 403  # signed for the internal URL
    assert _post(client, PATH, params, signed_url=f"https://fido.example.com{PATH}").status_code == 204


def test_receipt_for_an_ambiguous_send_is_matched_by_transaction(client, write_headers, sent):
    oid = ObjectId(sent["id"])
    Transaction._get_collection().update_one(
        {"_id": oid}, {"$set": {"notification.status": "sending", "notification.message_sid": None}}
    )
    sid = "SM" + "ab" * 16
    assert _post(client, f"{PATH}?tx={sent['id']}", _callback(sid, "sent")).status_code == 204
    note = Transaction._get_collection().find_one({"_id": oid})["notification"]
    assert (note["status"], note["message_sid"]) == ("sent", sid)


def test_no_auth_token_configured_is_403(client, sent, app, monkeypatch):
    override_settings(app, monkeypatch, TWILIO_AUTH_TOKEN=None)
    assert _post(client, PATH, _callback(sent["notification"]["message_sid"], "delivered")).status_code == 403


@pytest.mark.parametrize(
    "params",
    [
        {"MessageStatus": "delivered"},
        {"MessageSid": "SMnothex", "MessageStatus": "delivered"},
        {"MessageSid": "SM" + "a" * 32, "MessageStatus": "exploded"},
        {"MessageSid": "SM" + "a" * 32, "MessageStatus": "failed", "ErrorCode": "x" * 50},
    ],
)
def test_signed_but_invalid_form_is_422(client, twilio, params):
    assert _post(client, PATH, params).status_code == 422


def test_json_body_is_refused(client, twilio):
    assert client.post(PATH, json={"MessageSid": "x"}).status_code in (403, 415)
