"""The store boundary holds: in the domains that have a store, only the store touches collections,
and their route, service and task modules stay small."""

from __future__ import annotations

import re

import pytest

from tests.support import ROOT

DOMAINS_WITH_STORES = (
    "dialogs",
    "prices",
    "orders",
    "assets",
    "transactions",
    "users",
    "apikeys",
    "notifications",
    "audit",
    "encryption",
)
RAW_ACCESS = re.compile(r"_get_collection\(|get_db\(|\.collection\b")


@pytest.mark.parametrize("domain", DOMAINS_WITH_STORES)
def test_only_the_store_touches_the_collections(domain):
    offenders = []
    for path in sorted((ROOT / "webapp" / domain).glob("*.py")):
        if path.name.endswith("store.py"):  # store.py, and transactions' figures_store.py
            continue
        lines = enumerate(path.read_text().splitlines(), 1)
        offenders += [f"{path.name}:{n}" for n, line in lines if RAW_ACCESS.search(line)]
    assert not offenders, offenders


@pytest.mark.parametrize("domain", DOMAINS_WITH_STORES)
def test_route_service_and_task_modules_stay_under_250_lines(domain):
    skipped = ("models.py", "schemas.py")
    modules = [
        p for p in (ROOT / "webapp" / domain).glob("*.py") if p.name not in skipped and not p.name.endswith("store.py")
    ]
    modules += [p for p in [ROOT / "tasks" / f"{domain}.py"] if p.exists()]
    sizes = {p.name: len(p.read_text().splitlines()) for p in modules}
    assert all(size < 250 for size in sizes.values()), sizes
