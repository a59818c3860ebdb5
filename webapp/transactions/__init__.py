"""Transactions, their per-user statistics (totals and day buckets), credit score and analytics."""
