from tests.standins.twilio import twilio, twilio_server  # noqa: F401  (fixtures)
