"""SMS notifications of transactions through Twilio: outbox state, sending, sweeping, receipts."""
