"""Notification fixtures: the Twilio stand-in."""

from tests.twilio_fixtures import twilio, twilio_server  # noqa: F401  (fixtures)
