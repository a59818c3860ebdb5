"""The dashboard page as served: public, data-free, every asset local, fenced by its CSP."""

from __future__ import annotations

import re

ASSETS = (
    "/dashboard/static/dashboard.js",
    "/dashboard/static/dashboard.css",
    "/dashboard/static/vendor/uplot/uPlot.min.css",
)


def test_page_and_assets_are_local_and_need_no_key(client):
    page = client.get("/dashboard")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert "connect-src 'self'" in page.headers["Content-Security-Policy"]
    referenced = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert referenced and all(ref.startswith("/dashboard/static/") or ref == "data:," for ref in referenced)
    for path in (*ASSETS, *[r for r in referenced if r.startswith("/")]):
        asset = client.get(path)
        assert asset.status_code == 200, path
        if path.endswith((".js", ".css")) and "/vendor/" not in path:
            assert not re.search(r"https?://", asset.get_data(as_text=True)), path
    assert not re.search(r"https?://", html)
    uplot = client.get("/dashboard/static/vendor/uplot/uPlot.iife.min.js").get_data(as_text=True)
    # The vendored build names its home page in its licence banner only (a comment, never fetched).
    assert re.findall(r"https?://[^\s\"')]+", uplot) == ["https://github.com/leeoniya/uPlot"]
    assert client.get("/dashboard/static/vendor/uplot/LICENSE").status_code == 200


def test_unknown_and_escaping_asset_paths_are_404(client):
    assert client.get("/dashboard/static/nope.js").status_code == 404
    assert client.get("/dashboard/static/../__init__.py").status_code == 404
