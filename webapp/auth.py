"""Authentication and scopes for every `/api/v1` route.

A key comes in `X-API-Key` or `Authorization: Bearer`. Without a valid one: 401. Scopes: `read`
may use safe methods, `write` may also change resources, `admin` may do everything. A view that
needs more (key management, operator actions) says so with `@require_scope("admin")`; a view that
needs no key at all (a signed webhook) says `@public`.

Keys are looked up through the app's key cache (`webapp.apikeys.cache`). A key taken from the cache
is confirmed after the rate limiter's script has read the current key generation: under another
generation than the cache's entry it is read again from the database (so a revoked key gets its 401
on the very next request), and nothing else answers the request before that confirmation.
"""

from __future__ import annotations

from flask import Flask, current_app, g, request
from flask_smorest import abort

from webapp.apikeys.cache import KeyCache
from webapp.apikeys.services import authenticate, authenticate_cached
from webapp.http import view_marker
from webapp.ratelimit import record_auth_failure
from webapp.scopes import public, require_scope, scope_allows

__all__ = [
    "SAFE_METHODS",
    "init_auth",
    "init_key_confirmation",
    "presented_key",
    "public",
    "require_scope",
    "scope_allows",
]

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def presented_key() -> str | None:
    key = request.headers.get("X-API-Key")
    if key:
        return key.strip()
    auth = request.headers.get("Authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return None


def _admit(api_key) -> None:
    if api_key is None:
        record_auth_failure()  # 429 instead once the address is past RATE_LIMIT_AUTH_FAILURES
        abort(401, headers={"WWW-Authenticate": 'Bearer realm="fido"'})
    g.api_key = api_key
    required = view_marker("_required_scope") or ("read" if request.method in SAFE_METHODS else "write")
    if not scope_allows(api_key.scope, required):
        abort(403, message=f"This action needs the '{required}' scope; this key has '{api_key.scope}'.")


def _authenticate_request():
    if not request.path.startswith("/api/v1/"):
        return None
    g.key_cached_under = None  # `g` outlives a request when an app context was already pushed (tests)
    if request.method == "OPTIONS" or view_marker("_public"):
        return None
    api_key, g.key_cached_under = authenticate_cached(presented_key() or "", current_app.extensions["apikey_cache"])
    _admit(api_key)
    return None


def _confirm_cached_key():
    """Runs after the rate limiter's script (which read the key generation into `g.key_generation`):
    the cache follows that generation, and a key the cache gave under another one is read again."""
    if not request.path.startswith("/api/v1/"):
        return None
    cached_under = g.pop("key_cached_under", None)
    generation = g.get("key_generation")
    current_app.extensions["apikey_cache"].observe(generation)
    if cached_under is not None and cached_under != generation:
        g.pop("api_key", None)
        _admit(authenticate(presented_key() or ""))
    return None


def init_auth(app: Flask) -> None:
    app.extensions["apikey_cache"] = KeyCache()
    app.before_request(_authenticate_request)


def init_key_confirmation(app: Flask) -> None:
    """Register right after the rate limiter (it reads the key generation)."""
    app.before_request(_confirm_cached_key)
