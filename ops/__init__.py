"""Operator tools that act on a running deployment over HTTP only (no database, no broker)."""
