"""Field encryption at rest: personal fields are sealed in the database, clear in the API; email
uniqueness through the blind index; the embedded key file; the settings that production needs."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from config.settings import ConfigError, load_config
from webapp.crypto import FieldCipher, UndecryptableValue, build_cipher, new_key
from webapp.dialogs.models import Dialog
from webapp.settings import build as build_settings
from webapp.transactions.models import Transaction
from webapp.users.models import User

ROOT = Path(__file__).resolve().parents[2]
PERSON = {"name": "Ama Serwaa Owusu", "email": "Ama.Owusu@Example.com", "phone_number": "+233241234567"}


def _raw(document_class) -> str:
    return repr(list(document_class._get_collection().find({})))


def test_user_fields_are_sealed_at_rest_and_clear_in_the_api(client, write_headers):
    created = client.post("/api/v1/users", json=PERSON, headers=write_headers)
    assert created.status_code == 201
    user_id = created.get_json()["id"]
    stored = _raw(User)
    for value in (*PERSON.values(), PERSON["email"].lower()):
        assert value not in stored
    assert "f1:" in stored
    shown = client.get(f"/api/v1/users/{user_id}", headers=write_headers).get_json()
    assert {k: shown[k] for k in PERSON} == PERSON
    listed = client.get("/api/v1/users", headers=write_headers).get_json()["items"]
    assert {k: listed[0][k] for k in PERSON} == PERSON
    changed = client.patch(
        f"/api/v1/users/{user_id}", json={"name": "Kofi Mensah", "phone_number": "+233201112233"}, headers=write_headers
    )
    assert changed.get_json()["name"] == "Kofi Mensah"
    assert "Kofi Mensah" not in _raw(User) and "+233201112233" not in _raw(User)
    assert client.get(f"/api/v1/users/{user_id}", headers=write_headers).get_json()["phone_number"] == "+233201112233"


def test_duplicate_email_is_a_409_through_the_blind_index(client, write_headers):
    assert client.post("/api/v1/users", json=PERSON, headers=write_headers).status_code == 201
    again = client.post(
        "/api/v1/users", json={**PERSON, "email": " ama.owusu@EXAMPLE.com".strip()}, headers=write_headers
    )
    assert again.status_code == 409
    other = client.post("/api/v1/users", json={**PERSON, "email": "kofi@example.com"}, headers=write_headers)
    assert other.status_code == 201
    taken = client.patch(
        f"/api/v1/users/{other.get_json()['id']}", json={"email": "AMA.owusu@example.com"}, headers=write_headers
    )
    assert taken.status_code == 409


def test_transaction_names_and_dialog_texts_are_sealed(client, write_headers):
    user_id = client.post("/api/v1/users", json=PERSON, headers=write_headers).get_json()["id"]
    body = {
        "user_id": user_id,
        "full_name": "Yaw Boateng Asante",
        "transaction_date": "2026-01-05T10:00:00Z",
        "transaction_amount": "12.50",
        "transaction_type": "credit",
    }
    created = client.post("/api/v1/transactions", json=body, headers=write_headers)
    assert created.status_code == 201, created.get_json()
    assert "Yaw Boateng Asante" not in _raw(Transaction)
    tx = client.get(f"/api/v1/transactions/{created.get_json()['id']}", headers=write_headers).get_json()
    assert tx["full_name"] == "Yaw Boateng Asante"

    text = "My card ending 4242 was charged twice"
    posted = client.post("/api/v1/data/cust-7/dlg-7", json={"text": text, "language": "EN"}, headers=write_headers)
    assert posted.status_code in (200, 201), posted.get_json()
    assert text not in _raw(Dialog)
    client.post("/api/v1/consents/dlg-7", json=True, headers=write_headers)
    listed = client.get("/api/v1/data", headers=write_headers).get_json()["items"]
    assert [m["text"] for m in listed[0]["messages"]] == [text]


def test_a_cipher_opens_every_configured_key_and_refuses_an_unknown_one():
    old, new = new_key(), new_key()
    sealed_old = FieldCipher([old], b"i" * 32).seal("Efua")
    both = FieldCipher([new, old], b"i" * 32)
    assert both.open(sealed_old) == "Efua"
    assert both.key_of(both.reseal(sealed_old)) == both.primary
    assert both.seal("Efua") != both.seal("Efua")
    with pytest.raises(UndecryptableValue):
        FieldCipher([new], b"i" * 32).open(sealed_old)
    assert both.blind(" Efua@X.com ") == both.blind("efua@x.com") != FieldCipher([new], b"j" * 32).blind("efua@x.com")


def test_embedded_key_file_is_made_once_with_mode_0600(tmp_path, caplog):
    values = {"MONGO_URI": "mongomock://localhost/x", "EMBEDDED_DB_PATH": str(tmp_path / "e.db"), "SECRET_KEY": "s"}
    first = build_cipher(build_settings(values).platform)
    key_file = tmp_path / "e.db.key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert "key generated" in caplog.text
    assert build_cipher(build_settings(values).platform).open(first.seal("Kwame")) == "Kwame"
    in_memory = build_cipher(build_settings({**values, "EMBEDDED_DB_PATH": ""}).platform)
    assert in_memory.primary != first.primary


@pytest.mark.parametrize("missing", ["FIELD_ENCRYPTION_KEYS", "FIELD_INDEX_KEY"])
def test_production_refuses_to_start_without_the_keys(monkeypatch, missing):
    monkeypatch.setenv("SECRET_KEY", "s3cret")
    monkeypatch.setenv("MONGO_URI", "mongodb://db.example:27017/fido")
    monkeypatch.setenv("FIELD_ENCRYPTION_KEYS", new_key())
    monkeypatch.setenv("FIELD_INDEX_KEY", "i" * 32)
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigError, match=f"^{missing}: must be set in production"):
        load_config("production")


def test_a_bad_key_stops_the_program_with_one_line_that_hides_it():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "PYTEST"))}
    env["FIELD_ENCRYPTION_KEYS"] = "not-a-key-at-all"
    done = subprocess.run(
        [sys.executable, "manage.py", "api"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "Error: FIELD_ENCRYPTION_KEYS: must be comma-separated urlsafe base64 32-byte keys (44 characters each)"
        " (got '***')"
    ]
