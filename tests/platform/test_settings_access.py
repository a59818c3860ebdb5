"""Code reads its settings through the one typed object (`webapp.settings.current()`), never by a
string key of `app.config`; Flask's own keys are the exception (Flask and flask-smorest read them
there)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support import override_settings
from webapp.settings import current

ROOT = Path(__file__).resolve().parents[2]
FLASK_KEYS = {"SECRET_KEY", "MAX_CONTENT_LENGTH", "TESTING", "DEBUG"}
# `app.config["X"]`, `current_app.config.get("X")`, and an alias of either (`cfg = current_app.config`).
READ = re.compile(r"""\bconfig(?:\[\s*["']([A-Z_]+)["']|\.get\(\s*["']([A-Z_]+)["'])""")
ALIAS = re.compile(r"=\s*(?:current_app|app|self\.app)\.config\s*$", re.M)


def test_no_string_key_reads_of_our_settings_in_the_code():
    found = []
    for folder in ("webapp", "tasks", "workers"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            text = path.read_text()
            rel = path.relative_to(ROOT)
            reads = [m for m in READ.finditer(text) if (m.group(1) or m.group(2)) not in FLASK_KEYS]
            found += [f"{rel}: {m.group(0)}" for m in reads]
            found += [f"{rel}: {m.group(0).strip()}" for m in ALIAS.finditer(text)]
    assert found == [], "read settings through webapp.settings.current():\n" + "\n".join(found)


def test_the_object_is_grouped_typed_and_frozen(app):
    settings = current(app)
    assert settings.prices.BTC_PRICE_MAX_AGE_SECONDS == 60
    assert settings.transactions.SMS_MAX_RETRIES == 5
    assert settings.platform.PORT == 8000
    with pytest.raises(AttributeError):
        settings.prices.BTC_PRICE_MAX_AGE_SECONDS = 1


def test_an_override_lasts_one_test_and_leaves_the_rest(app, monkeypatch):
    before = current(app)
    override_settings(app, monkeypatch, DIALOG_MAX_MESSAGES=7)
    assert current(app).dialogs.DIALOG_MAX_MESSAGES == 7
    assert current(app).prices == before.prices  # the other settings are untouched
    monkeypatch.undo()
    assert current(app) is before


def test_an_unknown_setting_cannot_be_overridden(app, monkeypatch):
    with pytest.raises(TypeError, match="NO_SUCH_SETTING"):
        override_settings(app, monkeypatch, NO_SUCH_SETTING=1)
