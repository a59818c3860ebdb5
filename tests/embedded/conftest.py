from __future__ import annotations

import pytest

from tests.embedded.runner import flush_redis
from tests.twilio_fixtures import twilio_server  # noqa: F401  (fixture)


@pytest.fixture
def runners():
    """Runners started by a test; any still alive at the end is killed. Redis emptied around it."""
    started = []
    flush_redis()
    yield started
    for runner in started:
        runner.kill()
    flush_redis()
