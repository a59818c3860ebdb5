"""Authentication and scopes for every `/api/v1` route.

A key comes in `X-API-Key` or `Authorization: Bearer`. Without a valid one: 401. Scopes: `read`
may use safe methods, `write` may also change resources, `admin` may do everything. A view that
needs more (key management, operator actions) says so with `@require_scope("admin")`; a view that
needs no key at all (a signed webhook) says `@public`.
"""

from __future__ import annotations

from flask import Flask, g, request
from flask_smorest import abort

from webapp.apikeys.services import authenticate
from webapp.http import view_marker
from webapp.ratelimit import record_auth_failure
from webapp.scopes import public, require_scope, scope_allows

__all__ = ["SAFE_METHODS", "init_auth", "presented_key", "public", "require_scope", "scope_allows"]

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def presented_key() -> str | None:
    key = request.headers.get("X-API-Key")
    if key:
        return key.strip()
    auth = request.headers.get("Authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return None


def _authenticate_request():
    if not request.path.startswith("/api/v1/") or request.method == "OPTIONS":
        return None
    if view_marker("_public"):
        return None
    api_key = authenticate(presented_key() or "")
    if api_key is None:
        record_auth_failure()  # 429 instead once the address is past RATE_LIMIT_AUTH_FAILURES
        abort(401, headers={"WWW-Authenticate": 'Bearer realm="fido"'})
    g.api_key = api_key
    required = view_marker("_required_scope") or ("read" if request.method in SAFE_METHODS else "write")
    if not scope_allows(api_key.scope, required):
        abort(403, message=f"This action needs the '{required}' scope; this key has '{api_key.scope}'.")
    return None


def init_auth(app: Flask) -> None:
    app.before_request(_authenticate_request)
