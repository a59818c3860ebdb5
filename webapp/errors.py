"""The one error envelope, and the mapping of domain exceptions to HTTP statuses.

Every error leaves the service as
`{"code": <status>, "status": "<reason phrase>", "message": "<text>", "errors": {...}}`
(`errors` only where there are field errors). Unknown routes, 405 (with `Allow`), 413, 415 and
unexpected exceptions (500, no internals) included.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

DEFAULT_MESSAGES = {
    400: "The request could not be understood.",
    401: "A valid API key is required (X-API-Key header or Authorization: Bearer).",
    403: "This API key's scope does not allow this action.",
    404: "Not found.",
    405: "Method not allowed for this resource.",
    409: "The request conflicts with the current state.",
    413: "The request body is too large.",
    414: "The URL is too long.",
    415: "Send the request body as application/json.",
    422: "The request is not valid.",
    429: "Too many requests; retry later.",
    431: "The request headers are too large.",
    500: "Internal server error.",
    503: "The service is temporarily unavailable.",
}


class DomainError(Exception):
    """A business rule refused the request. Services raise subclasses; `errors.py` maps them."""

    status = 400

    def __init__(self, message: str | None = None, errors: dict | None = None, headers: dict | None = None):
        super().__init__(message or DEFAULT_MESSAGES.get(self.status, ""))
        self.message = message or DEFAULT_MESSAGES.get(self.status, "")
        self.errors = errors
        self.headers = headers or {}


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class Gone(DomainError):
    status = 410


class Invalid(DomainError):
    status = 422


class Unavailable(DomainError):
    status = 503


def reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def envelope_bytes(status: int, message: str | None = None) -> bytes:
    """The envelope as JSON bytes, for errors raised by the HTTP server itself (no Flask involved)."""
    reason = reason_phrase(status)
    body = {"code": status, "status": reason, "message": message or DEFAULT_MESSAGES.get(status, reason)}
    return json.dumps(body).encode()


def error_response(status: int, message: str | None = None, errors: dict | None = None, headers=None):
    reason = reason_phrase(status)
    body = {"code": status, "status": reason, "message": message or DEFAULT_MESSAGES.get(status, reason)}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _handle_http_exception(exc: HTTPException):
    data = getattr(exc, "data", None) or {}
    message = data.get("message")
    errors = data.get("errors") or data.get("messages")  # webargs puts field errors in "messages"
    if message is None and exc.code not in DEFAULT_MESSAGES:
        message = exc.description
    headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
    headers.update(data.get("headers") or {})
    return error_response(exc.code or 500, message, errors, headers)


def _handle_domain_error(exc: DomainError):
    return error_response(exc.status, exc.message, exc.errors, exc.headers)


def _handle_unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return _handle_http_exception(exc)
    log.exception("unhandled error")
    return error_response(500)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(DomainError, _handle_domain_error)
    app.register_error_handler(Exception, _handle_unexpected)
