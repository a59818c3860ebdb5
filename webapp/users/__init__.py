"""Users: people who hold transactions; their balance comes from the transaction statistics."""
