"""Configuration: environment-driven settings classes and the Celery/beat settings."""
