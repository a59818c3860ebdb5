"""Celery worker entry points and signal wiring."""
