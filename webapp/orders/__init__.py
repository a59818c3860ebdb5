"""BTC buy orders: priced at the latest fresh quote, rounded up to a whole satoshi, bounded by a global
cap reserved atomically in MongoDB, idempotent per API key, listed newest first by keyset cursor."""
