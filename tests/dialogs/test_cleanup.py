"""Stale-dialog cleanup on a controllable clock, through the real worker, the service and the CLI."""

from __future__ import annotations

import contextlib
import threading
from datetime import timedelta

from tasks.dialogs import cleanup_stale
from tests.dialogs.conftest import T0
from tests.support import override_settings, run_manage
from webapp.dialogs import services
from webapp.dialogs.models import Dialog
from webapp.errors import NotFound

TTL = 86400


def _pending(count, at, prefix="p"):
    for n in range(count):
        services.append_message("c", f"{prefix}-{n}", "text", "EN", now=at)


def test_only_pending_dialogs_idle_longer_than_the_ttl_are_deleted(app, worker):
    _pending(5, T0, "old")
    _pending(3, T0 + timedelta(seconds=1), "fresh")  # exactly at the cutoff: not older than it
    services.append_message("c", "granted-old", "t", "EN", now=T0)
    services.grant_consent("granted-old", now=T0)
    services.append_message("c", "revived", "t", "EN", now=T0)
    services.append_message("c", "revived", "t", "EN", now=T0 + timedelta(seconds=1))  # new activity

    now = (T0 + timedelta(seconds=TTL + 1)).isoformat()
    assert cleanup_stale.delay(now=now, dry_run=True).get(timeout=10) == {"would_delete": 5}
    assert Dialog.objects.count() == 10
    assert cleanup_stale.delay(now=now).get(timeout=10) == {"deleted": 5}
    assert sorted(Dialog.objects.distinct("dialog_id")) == sorted(
        ["fresh-0", "fresh-1", "fresh-2", "granted-old", "revived"]
    )
    assert cleanup_stale.delay(now=now).get(timeout=10) == {"deleted": 0}  # idempotent


def test_ttl_comes_from_settings_and_older_than_overrides_it(app, worker, monkeypatch):
    override_settings(app, monkeypatch, DIALOG_CONSENT_TTL_SECONDS=60)
    _pending(2, T0)
    assert cleanup_stale.delay(now=(T0 + timedelta(seconds=59)).isoformat()).get(timeout=10) == {"deleted": 0}
    late = (T0 + timedelta(seconds=61)).isoformat()
    assert cleanup_stale.delay(now=late, older_than=3600).get(timeout=10) == {"deleted": 0}
    assert cleanup_stale.delay(now=late).get(timeout=10) == {"deleted": 2}


def test_works_in_bounded_batches(app, worker, monkeypatch):
    override_settings(app, monkeypatch, DIALOG_CLEANUP_BATCH_SIZE=7)
    _pending(30, T0)
    assert len(services.find_stale_batch(T0 + timedelta(seconds=1), 7)) == 7
    now = (T0 + timedelta(seconds=TTL + 1)).isoformat()
    assert cleanup_stale.delay(now=now).get(timeout=10) == {"deleted": 30}
    assert Dialog.objects.count() == 0


def test_consent_arriving_between_finding_and_deleting_wins(app):
    """The exact race window of a run: candidates found, then consent lands, then the delete."""
    _pending(6, T0)
    cutoff = T0 + timedelta(seconds=1)
    candidates = services.find_stale_batch(cutoff, 100)
    assert len(candidates) == 6
    services.grant_consent("p-2")
    services.append_message("c", "p-4", "still here", "EN")  # fresh activity also wins
    assert services.delete_stale(candidates, cutoff) == 4
    assert sorted(Dialog.objects.distinct("dialog_id")) == ["p-2", "p-4"]


def test_consents_during_a_concurrent_run_are_never_lost(app, monkeypatch):
    override_settings(app, monkeypatch, DIALOG_CLEANUP_BATCH_SIZE=5)
    _pending(200, T0)
    granted, deleted = [], []

    def consent_some():
        with app.app_context():
            for n in range(0, 200, 3):
                with contextlib.suppress(NotFound):  # already cleaned up
                    services.grant_consent(f"p-{n}")
                    granted.append(f"p-{n}")

    def clean():
        with app.app_context():
            deleted.append(services.cleanup_stale(now=T0 + timedelta(seconds=TTL + 1)))

    threads = [threading.Thread(target=consent_some), threading.Thread(target=clean)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    remaining = set(Dialog.objects(consent="granted").distinct("dialog_id"))
    assert remaining == set(granted)  # every accepted consent kept its dialog
    assert Dialog.objects.count() == len(granted)
    assert deleted[0] == 200 - len(granted)


def test_two_runs_at_once_delete_each_dialog_once(app, worker, monkeypatch):
    override_settings(app, monkeypatch, DIALOG_CLEANUP_BATCH_SIZE=10)
    _pending(150, T0)
    services.append_message("c", "keep", "t", "EN", now=T0)
    services.grant_consent("keep")
    now = (T0 + timedelta(seconds=TTL + 1)).isoformat()
    first, second = cleanup_stale.delay(now=now), cleanup_stale.delay(now=now)
    counts = [first.get(timeout=30)["deleted"], second.get(timeout=30)["deleted"]]
    assert sum(counts) == 150
    assert Dialog.objects.distinct("dialog_id") == ["keep"]


def test_two_threads_at_once_delete_each_dialog_once(app, monkeypatch):
    override_settings(app, monkeypatch, DIALOG_CLEANUP_BATCH_SIZE=10)
    _pending(150, T0)
    counts = []
    barrier = threading.Barrier(2)

    def clean():
        barrier.wait()
        with app.app_context():
            counts.append(services.cleanup_stale(now=T0 + timedelta(seconds=TTL + 1)))

    threads = [threading.Thread(target=clean) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(counts) == 2 and sum(counts) == 150
    assert Dialog.objects.count() == 0


def test_cli_runs_the_task_on_the_running_system(app, worker):
    _pending(4, T0)  # stale on the real clock too (T0 is long past)
    dry = run_manage("cleanup-dialogs", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.strip() == "would delete 4 stale dialog(s)"
    assert Dialog.objects.count() == 4
    kept = run_manage("cleanup-dialogs", "--older-than", "999999999")
    assert kept.stdout.strip() == "deleted 0 stale dialog(s)"
    done = run_manage("cleanup-dialogs", "--older-than", "60")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "deleted 4 stale dialog(s)"
    assert Dialog.objects.count() == 0
    bad = run_manage("cleanup-dialogs", "--older-than", "-5")
    assert bad.returncode == 2


def test_beat_schedule_declares_the_job(app):
    schedule = app.extensions["celery"].conf.beat_schedule
    entry = next(e for e in schedule.values() if e["task"] == "dialogs.cleanup_stale")
    assert entry["options"]["queue"] == "default"


def test_cleanup_logs_its_count(app, caplog):
    caplog.set_level("INFO", logger="webapp.dialogs.services")
    _pending(3, T0)
    assert services.cleanup_stale(now=T0 + timedelta(seconds=TTL + 1)) == 3
    assert "stale dialog cleanup: 3 deleted" in caplog.text
