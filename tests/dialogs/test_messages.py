"""Appending messages: creation, appends, ownership, closed and revoked dialogs."""

from __future__ import annotations

import threading

from tests.support import override_settings
from webapp.dialogs import services
from webapp.dialogs.models import Dialog


def test_first_message_creates_a_pending_dialog_and_later_ones_append(dialogs):
    first = dialogs.message("cust-1", "dlg-1", "Hi there", "en")
    assert first.status_code == 201
    assert first.json["dialog_id"] == "dlg-1"
    assert first.json["customer_id"] == "cust-1"
    assert first.json["consent"] == "pending"
    assert first.json["messages_count"] == 1
    second = dialogs.message("cust-1", "dlg-1", "Bonjour", "FR")
    assert second.status_code == 201
    assert second.json["messages_count"] == 2
    assert second.json["created_at"] == first.json["created_at"]
    assert second.json["updated_at"] >= first.json["updated_at"]
    doc = Dialog.objects.get(dialog_id="dlg-1")
    assert [m.text for m in doc.messages] == ["Hi there", "Bonjour"]
    assert [m.language for m in doc.messages] == ["EN", "FR"]
    assert doc.languages == ["EN", "FR"]


def test_repeated_language_is_listed_once(dialogs):
    for _ in range(3):
        dialogs.message("c", "d", language="De")
    assert Dialog.objects.get(dialog_id="d").languages == ["DE"]


def test_pending_dialog_is_not_readable(dialogs):
    dialogs.message("c", "d")
    assert dialogs.get("c", "d").status_code == 404
    assert dialogs.list().json["total"] == 0


def test_dialog_of_another_customer_is_409_and_untouched(dialogs):
    dialogs.message("owner", "shared-id", "mine")
    response = dialogs.message("intruder", "shared-id", "theirs")
    assert response.status_code == 409
    assert response.json["code"] == 409
    doc = Dialog.objects.get(dialog_id="shared-id")
    assert doc.customer_id == "owner"
    assert doc.messages_count == 1 and [m.text for m in doc.messages] == ["mine"]


def test_granted_dialog_is_closed_409(dialogs):
    dialogs.message("c", "d")
    assert dialogs.consent("d", True).status_code == 200
    response = dialogs.message("c", "d", "one more")
    assert response.status_code == 409
    assert "granted" in response.json["message"]
    assert Dialog.objects.get(dialog_id="d").messages_count == 1


def test_dialog_full_is_409(app, dialogs, monkeypatch):
    override_settings(app, monkeypatch, DIALOG_MAX_MESSAGES=2)
    assert dialogs.message("c", "d").status_code == 201
    assert dialogs.message("c", "d").status_code == 201
    response = dialogs.message("c", "d")
    assert response.status_code == 409
    assert "maximum" in response.json["message"]


def test_late_message_after_revocation_is_410_and_brings_nothing_back(dialogs):
    dialogs.message("c", "d", "secret")
    assert dialogs.consent("d", False).status_code == 200
    response = dialogs.message("c", "d", "late")
    assert response.status_code == 410
    assert response.json["code"] == 410
    assert Dialog.objects(dialog_id="d").count() == 0
    # Even from another customer: the id stays revoked.
    assert dialogs.message("other", "d", "late").status_code == 410


def test_concurrent_first_messages_create_one_dialog(app):
    """Threads race to create the same dialog; the unique index resolves it into one dialog."""
    barrier = threading.Barrier(8)
    errors = []

    def send(n):
        try:
            barrier.wait()
            with app.app_context():
                services.append_message("c", "race", f"message {n}", "EN")
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert errors == []
    doc = Dialog.objects.get(dialog_id="race")
    assert doc.messages_count == 8
    assert sorted(m.text for m in doc.messages) == sorted(f"message {n}" for n in range(8))


def test_message_text_is_not_logged(dialogs, caplog):
    caplog.set_level("DEBUG", logger="webapp")
    dialogs.message("c", "d", "TOP-SECRET-TEXT")
    dialogs.consent("d", True)
    dialogs.get("c", "d")
    dialogs.consent("d", False)
    assert "TOP-SECRET-TEXT" not in caplog.text
    assert all("TOP-SECRET-TEXT" not in str(r.__dict__) for r in caplog.records)
