"""The GitHub Actions workflow is valid against the workflow schema (check-jsonschema's vendored
copy; actionlint's binary cannot be installed on these machines), and the check rejects a broken one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


def _check(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_workflow_is_valid_and_runs_both_tiers_and_the_smoke_check(tmp_path):
    result = _check(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr
    text = WORKFLOW.read_text()
    for needed in ("image: mongo:7", "image: redis:7", "make test\n", "make test-mongo", "docker compose up -d"):
        assert needed in text, needed
    assert "manage.py smoke --url http://localhost:8000" in text

    broken = tmp_path / "ci.yml"
    broken.write_text(text.replace("runs-on: ubuntu-latest", "runs_on: ubuntu-latest", 1))
    assert _check(broken).returncode != 0
