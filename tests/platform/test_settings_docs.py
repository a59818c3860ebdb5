"""The settings table (config/spec.py) is the truth: README.md and .env.example document every
setting, each with the same default, and name nothing the table does not know."""

from __future__ import annotations

import re
from pathlib import Path

from config.spec import BY_NAME, SETTINGS

ROOT = Path(__file__).resolve().parents[2]


def readme_rows() -> dict[str, str]:
    """{name: default cell} of every settings-table row of README.md (`| \\`NAME\\` | default | ...`)."""
    rows = {}
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        match = re.match(r"\|\s*`([A-Z][A-Z0-9_]+)`\s*\|\s*([^|]*?)\s*\|", line)
        if match:
            rows[match.group(1)] = match.group(2)
    return rows


def env_example() -> dict[str, str]:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return dict(re.findall(r"^# ([A-Z][A-Z0-9_]+)=(.*)$", text, flags=re.M))


def test_readme_documents_every_setting_with_its_default():
    rows = readme_rows()
    missing = [s.name for s in SETTINGS if s.name not in rows]
    assert not missing, f"README.md has no settings row for {missing}"
    wrong = {s.name: rows[s.name] for s in SETTINGS if s.default is not None and rows[s.name] != f"`{s.default}`"}
    assert not wrong, f"README.md defaults differ from config/spec.py: {wrong}"


def test_env_example_lists_every_setting_with_its_default():
    documented = env_example()
    assert set(documented) == set(BY_NAME)
    assert {name: value for name, value in documented.items() if value != (BY_NAME[name].default or "")} == {}
