"""Audit trail: one append-only record per `/api/v1` write and per refused (401/403) request."""
