"""Platform test fixtures: the Twilio stand-in (the outage test follows an SMS end to end)."""

from tests.standins.twilio import twilio, twilio_server  # noqa: F401  (fixtures)
