"""The staff dashboard: `GET /dashboard`, one static page and its local assets (no external URL).

The page holds no data: it asks for an API key once (kept in the tab's sessionStorage, sent as
`X-API-Key`) and reads everything through the public API, refreshing every 10 s. So the page
itself is public, and every figure on it needs a key. A Content-Security-Policy limits the page to
this origin (scripts, styles, fetches, images), so nothing can load or leak elsewhere."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, send_from_directory

STATIC = Path(__file__).parent / "static"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

dashboard_blp = Blueprint("dashboard", __name__)


def _with_policy(response):
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@dashboard_blp.route("/dashboard", methods=["GET"])
def dashboard_page():
    return _with_policy(send_from_directory(STATIC, "index.html", max_age=0))


@dashboard_blp.route("/dashboard/static/<path:filename>", methods=["GET"])
def dashboard_asset(filename):
    return _with_policy(send_from_directory(STATIC, filename, max_age=300))
