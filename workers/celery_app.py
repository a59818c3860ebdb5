"""Celery entry module for `celery -A workers.celery_app`: it only builds the app."""

from webapp import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
