"""API key scopes and the view markers that state what a view needs.

Scopes are ranked `read` < `write` < `admin`. A view that needs more than its method implies says
so with `@require_scope("admin")`; a view that needs no key at all (a signed webhook) says
`@public`. `webapp.auth` reads the markers on every request. This module imports nothing of the
service, so domains (`apikeys` among them) mark their views without importing `webapp.auth`.
"""

from __future__ import annotations

SCOPES = ("read", "write", "admin")
_RANK = {name: rank for rank, name in enumerate(SCOPES)}


def scope_allows(scope: str, required: str) -> bool:
    """Whether a key with `scope` may do what needs `required`."""
    return _RANK.get(scope, -1) >= _RANK[required]


def require_scope(scope: str):
    def mark(view):
        view._required_scope = scope
        return view

    return mark


def public(view):
    view._public = True
    return view
