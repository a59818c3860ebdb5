"""Platform test fixtures: the Twilio stand-in (the outage test follows an SMS end to end)."""

from tests.twilio_fixtures import twilio, twilio_server  # noqa: F401  (fixtures)
