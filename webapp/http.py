"""Cross-cutting HTTP conventions: request ids, one access line per request, URL length limit,
JSON-only bodies, local Swagger UI assets, no cookie sessions."""

from __future__ import annotations

import json
import re
import time
import uuid

import flask_smorest
import swagger_ui_bundle
from flask import Blueprint as FlaskBlueprint
from flask import Flask, current_app, g, request, send_from_directory
from flask.sessions import SessionInterface
from flask_smorest import abort
from webargs.flaskparser import FlaskParser

from webapp.fields import json_number
from webapp.logs import log_access, request_id_var

# A client's X-Request-ID is adopted when it is 1-128 visible ASCII characters.
_REQUEST_ID = re.compile(r"[!-~]{1,128}")
MAX_URL_BYTES = 64 * 1024
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class DecimalJSONParser(FlaskParser):
    """Parses JSON bodies with `parse_float=json_number`: a JSON number like 120.505 reaches the
    schema exactly as written (a Decimal, marked when it used an exponent), never a binary float."""

    def _raw_load_json(self, req):
        if not (req.mimetype and (req.mimetype == "application/json" or req.mimetype.endswith("+json"))):
            return super()._raw_load_json(req)
        data = req.get_data(cache=True)
        if not data:
            return super()._raw_load_json(req)
        try:
            parsed = json.loads(data, parse_float=json_number)
            # A "\ud800" escape decodes to a lone surrogate that no database can store as UTF-8.
            json.dumps(parsed, ensure_ascii=False, default=str).encode("utf-8")
            return parsed
        except (ValueError, UnicodeError, RecursionError) as exc:  # RecursionError: absurd nesting
            return self._handle_invalid_json_error(exc, req)


class Blueprint(flask_smorest.Blueprint):
    """The flask-smorest Blueprint every domain uses (exact decimals in JSON bodies)."""

    ARGUMENTS_PARSER = DecimalJSONParser()


def _assign_request_id():
    g.pop("api_key", None)  # `g` outlives a request when an app context was already pushed (tests)
    g.started = time.perf_counter()  # the one start stamp: the access log and the HTTP metrics read it
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
    request_id_var.set(g.request_id)
    environ = request.environ
    if len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", "")) > MAX_URL_BYTES:
        abort(414)


def _log_access(response):
    """Registered first, so it runs after every other after_request hook (final status)."""
    started = getattr(g, "started", None)
    api_key = getattr(g, "api_key", None)
    log_access(
        request.method,
        request.path[:512],
        response.status_code,
        (time.perf_counter() - started) * 1000 if started else 0.0,
        getattr(g, "request_id", None),
        str(api_key.id) if api_key is not None else None,
    )
    return response


def view_marker(name: str):
    """The marker `name` set by a decorator on the view function, or on the MethodView method,
    serving this request (None when absent)."""
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None:
        return None
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        view = getattr(view_class, request.method.lower(), None)
    return getattr(view, name, None)


def _require_json_body():
    """A request body on the API must be JSON (415 otherwise); form posts only where a view allows."""
    if request.method not in BODY_METHODS or not request.path.startswith("/api/v1/"):
        return None
    if not request.content_length and not request.headers.get("Transfer-Encoding"):
        return None
    if request.is_json or view_marker("_accepts_form"):
        return None
    abort(415)


def _forget_request_id(_exc=None):
    request_id_var.set(None)


def accepts_form(view):
    """Mark a view that takes form-encoded bodies (webhooks)."""
    view._accepts_form = True
    return view


def _echo_request_id(response):
    request_id = getattr(g, "request_id", None)
    if request_id:
        response.headers["X-Request-ID"] = request_id
    return response


def _security_headers(response):
    """Every response: `X-Content-Type-Options: nosniff`. Every /api/v1 response: `Cache-Control:
    no-store` (keys, balances and personal data must not sit in any cache), except a response that
    carries its own validator (an ETag or Last-Modified, e.g. the assets listing): there a private
    cache may keep it but must revalidate (`private, no-cache`, unless the view chose)."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    if request.path.startswith("/api/v1/") or request.path == "/api/v1":
        if response.headers.get("ETag") or response.headers.get("Last-Modified"):
            response.headers.setdefault("Cache-Control", "private, no-cache")
        else:
            response.headers["Cache-Control"] = "no-store"
    return response


docs_assets = FlaskBlueprint("docs_assets", __name__)


@docs_assets.route("/api/docs/static/<path:filename>")
def swagger_asset(filename):
    return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)


class NoSessions(SessionInterface):
    """The API is stateless (a key on every request, no cookies): no session is read or saved. Flask's
    default cookie session builds a signing serializer and looks for its cookie on every request
    (~50 us of CPU here); `flask.session` is a `NullSession`, which refuses writes."""

    def open_session(self, app, request):
        return self.make_null_session(app)

    def save_session(self, app, session, response):
        return None


def init_http(app: Flask) -> None:
    """Request ids first; the JSON check is registered by `init_body_check` after authentication."""
    app.session_interface = NoSessions()
    app.before_request(_assign_request_id)
    app.teardown_request(_forget_request_id)
    app.after_request(_log_access)
    app.after_request(_echo_request_id)
    app.after_request(_security_headers)
    app.register_blueprint(docs_assets)


def init_body_check(app: Flask) -> None:
    app.before_request(_require_json_body)
