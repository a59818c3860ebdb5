"""Notification fixtures: the Twilio stand-in, and a worker the test can pause."""

import pytest

from tests.twilio_fixtures import twilio, twilio_server  # noqa: F401  (fixtures)


@pytest.fixture
def paused_worker(worker):
    """The test drives each step itself; the worker resumes afterwards."""
    worker.stop()
    yield worker
    if worker.controller is None:
        worker.start()
