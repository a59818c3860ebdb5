"""API keys: hashed at rest, scoped read < write < admin, revocable at once."""
