"""Redis outlives the embedded database; what the API serves from Redis must not."""

from __future__ import annotations

from bson import ObjectId

from standins.price_providers import CoinGeckoStandin
from tests.embedded.runner import Runner, free_port
from tests.support import wait_for


def test_a_fresh_database_does_not_serve_the_previous_databases_quote(tmp_path, runners):
    gecko = CoinGeckoStandin().start()
    gecko.rates = {"EUR": "61234.12", "GBP": "52100.5", "USD": "67012.34"}
    prices = {"BTC_PRICE_PROVIDERS": "coingecko", "BTC_PRICE_REFRESH_SECONDS": "1"}
    try:
        first = Runner(EMBEDDED_DB_PATH=str(tmp_path / "a.db"), COINGECKO_BASE_URL=gecko.url, **prices)
        runners.append(first.start())
        wait_for(lambda: first.call("GET", "/prices/btc").status_code == 200, timeout=30, message="a quote")
        assert first.stop().returncode == 0
    finally:
        gecko.stop()

    # Same Redis (not flushed), another database, and no provider that answers.
    dead = f"http://127.0.0.1:{free_port()}"
    second = Runner(EMBEDDED_DB_PATH=str(tmp_path / "b.db"), COINGECKO_BASE_URL=dead, **prices)
    runners.append(second.start())
    answer = second.call("GET", "/prices/btc")
    assert answer.status_code == 503, answer.text
    assert second.stop().returncode == 0


def test_tasks_about_records_that_do_not_exist_are_harmless(app, worker):  # the worker loads the tasks
    """A previous run's broker may still hold tasks naming ids this database never had: each task
    body finishes without error and writes nothing."""
    import mongoengine

    celery = app.extensions["celery"]
    missing = str(ObjectId())
    for name in ("transactions.apply_stats", "notifications.send_sms"):
        outcome = celery.tasks[name].apply(args=[missing])
        assert outcome.successful(), (name, outcome.result)
    db = mongoengine.get_db()
    assert all(db[name].count_documents({}) == 0 for name in db.list_collection_names() if name != "instance")
