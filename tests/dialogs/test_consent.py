"""Consent answers, revocation, deletion and erasure."""

from __future__ import annotations

import threading

from webapp.dialogs import services
from webapp.dialogs.models import Dialog, Tombstone


def test_consent_true_grants_and_is_idempotent(dialogs):
    dialogs.message("c", "d", "hello", "en")
    first = dialogs.consent("d", True)
    assert first.status_code == 200
    assert first.json["dialog_id"] == "d"
    assert first.json["consent"] == "granted"
    assert first.json["consented_at"]
    again = dialogs.consent("d", {"consent": True})
    assert again.status_code == 200
    assert again.json == first.json  # same consent time: nothing changed
    body = dialogs.get("c", "d").json
    assert body["consented_at"] == first.json["consented_at"]
    assert [(m["text"], m["language"]) for m in body["messages"]] == [("hello", "EN")]
    assert body["languages"] == ["EN"]


def test_consent_unknown_dialog_is_404(dialogs):
    response = dialogs.consent("nobody", True)
    assert response.status_code == 404
    assert dialogs.consent("nobody", False).status_code == 404
    assert Tombstone.objects.count() == 0


def test_revocation_deletes_dialog_and_messages_and_leaves_only_a_tombstone(dialogs):
    for text in ("a", "b", "c"):
        dialogs.message("c", "d", text)
    response = dialogs.consent("d", {"consent": False})
    assert response.status_code == 200
    assert response.json == {"dialog_id": "d", "consent": "revoked", "deleted_messages": 3}
    assert Dialog.objects(dialog_id="d").count() == 0
    tombstone = Tombstone._get_collection().find_one({"_id": "d"})
    assert set(tombstone) == {"_id", "revoked_at"}  # id and time, no content


def test_revoking_a_granted_dialog_removes_it_from_reads_at_once(dialogs):
    dialogs.message("c", "d")
    dialogs.consent("d", True)
    assert dialogs.list().json["total"] == 1
    assert dialogs.consent("d", False).json["deleted_messages"] == 1
    assert dialogs.get("c", "d").status_code == 404
    assert dialogs.list().json["total"] == 0


def test_revoked_twice_is_410_and_consent_after_revocation_is_410(dialogs):
    dialogs.message("c", "d")
    assert dialogs.consent("d", False).status_code == 200
    again = dialogs.consent("d", False)
    assert again.status_code == 410
    assert again.json["status"] == "Gone"
    assert dialogs.consent("d", True).status_code == 410


def test_concurrent_revocations_delete_once(app, dialogs):
    for _ in range(5):
        dialogs.message("c", "d")
    barrier = threading.Barrier(6)
    outcomes = []

    def revoke():
        barrier.wait()
        with app.app_context():
            try:
                outcomes.append(services.revoke_consent("d")["deleted_messages"])
            except Exception as exc:
                outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=revoke) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert outcomes.count(5) == 1
    assert sorted(o for o in outcomes if o != 5) == ["Gone"] * 5
    assert Dialog.objects.count() == 0


def test_message_racing_a_revocation_never_survives(app):
    """Appends and a revocation interleave; afterwards the dialog does not exist and more appends 410."""
    services.append_message("c", "d", "first", "EN")
    stop = threading.Event()

    def keep_writing():
        with app.app_context():
            while not stop.is_set():
                try:
                    services.append_message("c", "d", "late", "EN")
                except Exception:  # 410 once the revocation landed
                    return

    writer = threading.Thread(target=keep_writing)
    writer.start()
    services.revoke_consent("d")
    stop.set()
    writer.join(10)
    assert Dialog.objects(dialog_id="d").count() == 0
    assert Tombstone.objects(dialog_id="d").count() == 1


def test_delete_one_dialog(dialogs):
    dialogs.message("c", "d")
    dialogs.consent("d", True)
    dialogs.message("c", "other")
    assert dialogs.delete("c", "d").status_code == 204
    assert dialogs.get("c", "d").status_code == 404
    assert dialogs.delete("c", "d").status_code == 404
    assert dialogs.delete("someone-else", "other").status_code == 404  # not theirs
    assert Dialog.objects(dialog_id="other").count() == 1


def test_erasure_deletes_every_dialog_of_the_customer_only(dialogs):
    for n in range(3):
        dialogs.message("gone", f"g{n}")
    dialogs.consent("g0", True)
    dialogs.message("kept", "k0")
    dialogs.consent("k0", True)
    response = dialogs.erase("gone")
    assert response.status_code == 200
    assert response.json == {"deleted_dialogs": 3}
    assert dialogs.list(customerId="gone").json["total"] == 0
    assert dialogs.get("gone", "g0").status_code == 404
    assert dialogs.list().json["total"] == 1
    assert dialogs.erase("gone").json == {"deleted_dialogs": 0}


def test_get_another_customers_dialog_is_404(dialogs):
    dialogs.message("c", "d")
    dialogs.consent("d", True)
    assert dialogs.get("c", "d").status_code == 200
    response = dialogs.get("x", "d")
    assert response.status_code == 404
    assert response.json["message"] == dialogs.get("x", "never-existed").json["message"].replace("never-existed", "d")


def test_grant_racing_a_revocation_is_410(dialogs):
    dialogs.message("c", "race", "hello", "en")
    # The revocation has written its tombstone and not yet deleted the dialog: a grant now must not
    # answer "granted" for a dialog that is about to disappear.
    Tombstone(dialog_id="race", revoked_at=services.utcnow()).save()
    assert dialogs.consent("race", True).status_code == 410
