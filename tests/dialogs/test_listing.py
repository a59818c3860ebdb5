"""The consented-dialogs list over a realistic population: 1,000 dialogs of 10 customers in 4
languages, 500 of them consented. 40 dialogs go through the HTTP API end to end; the rest through
the same service functions the API calls (for speed). Every count is read through the HTTP list."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.dialogs.conftest import T0
from webapp.dialogs import services

LANGUAGES = ("EN", "FR", "DE", "ES")
CUSTOMERS = tuple(f"cust-{n}" for n in range(10))


def _plan():
    """The population: per dialog its customer, its message languages, its time and consent."""
    plan = []
    for i in range(1000):
        languages = [LANGUAGES[(i // 3) % 4]]
        if i % 5 == 0:
            languages.append(LANGUAGES[(i // 7) % 4])
        plan.append(
            {
                "dialog_id": f"dlg-{i:04d}",
                "customer_id": CUSTOMERS[i % 10],
                "languages": languages,
                "at": T0 + timedelta(seconds=i // 2),  # pairs share a time: the id breaks the tie
                "consented": (i // 10) % 2 == 0,
            }
        )
    return plan


@pytest.fixture(scope="module")
def population():
    return _plan()


def _seed(dialogs, population):
    for n, item in enumerate(population):
        if n < 40:  # the real HTTP path, on the real clock
            for language in item["languages"]:
                response = dialogs.message(item["customer_id"], item["dialog_id"], "text", language.lower())
                assert response.status_code == 201
            if item["consented"]:
                assert dialogs.consent(item["dialog_id"], True).status_code == 200
            continue
        for k, language in enumerate(item["languages"]):
            services.append_message(item["customer_id"], item["dialog_id"], f"m{k}", language, now=item["at"])
        if item["consented"]:
            services.grant_consent(item["dialog_id"], now=item["at"])


def _expected(population, language=None, customer_id=None):
    return [
        p
        for p in population
        if p["consented"]
        and (language is None or language in p["languages"])
        and (customer_id is None or p["customer_id"] == customer_id)
    ]


def test_thousand_dialogs_counts_pagination_and_shape(dialogs, population):
    """One test on purpose: mongomock scans linearly, so seeding 1,000 dialogs costs ~15 s."""
    _seed(dialogs, population)
    _check_counts(dialogs, population)
    _check_pagination(dialogs)
    _check_item_shape(dialogs)


def _check_counts(dialogs, population):
    assert sum(1 for p in population if p["consented"]) == 500
    assert dialogs.list().json["total"] == 500
    for language in LANGUAGES:
        body = dialogs.list(language=language.lower()).json
        assert body["total"] == len(_expected(population, language=language)), language
        assert all(language in item["languages"] for item in body["items"])
    for customer in CUSTOMERS:
        assert dialogs.list(customerId=customer).json["total"] == 50
        assert dialogs.list(customer_id=customer).json["total"] == 50  # the alias
    for language in LANGUAGES:
        for customer in CUSTOMERS:
            body = dialogs.list(language=language, customerId=customer, page_size=100).json
            expected = _expected(population, language=language, customer_id=customer)
            assert body["total"] == len(expected), (language, customer)
            assert {i["dialog_id"] for i in body["items"]} == {p["dialog_id"] for p in expected}


def _check_pagination(dialogs):
    seen = []
    for page in range(1, 6):
        body = dialogs.list(page=page, page_size=100).json
        assert (body["page"], body["page_size"], body["total"]) == (page, 100, 500)
        assert len(body["items"]) == 100
        seen += body["items"]
    assert dialogs.list(page=6, page_size=100).json["items"] == []
    ids = [item["dialog_id"] for item in seen]
    assert len(set(ids)) == 500
    # Newest last message first, ties broken by dialog id descending (pairs of seeded dialogs tie).
    keys = [(item["messages"][-1]["created_at"], item["dialog_id"]) for item in seen]
    assert keys == sorted(keys, reverse=True)
    assert any(a[0] == b[0] for a, b in zip(keys, keys[1:], strict=False))  # ties were exercised
    assert all(item["consented_at"] for item in seen)


def _check_item_shape(dialogs):
    item = dialogs.list(customerId="cust-0", page_size=1, page=50).json["items"][0]
    assert set(item) == {
        "dialog_id",
        "customer_id",
        "languages",
        "messages",
        "consented_at",
        "created_at",
        "updated_at",
    }
    assert item["customer_id"] == "cust-0"
    assert {m["language"] for m in item["messages"]} == set(item["languages"])
