"""BTC price tasks."""

from celery import shared_task

from webapp.prices import services


@shared_task(name="prices.refresh_btc", queue="default", ignore_result=False)
def refresh_btc() -> dict:
    """Fetch the BTC quote from the first usable provider, store it, then prune old history.

    Idempotent in effect: a second run only appends one more quote. Not retried: the beat runs it
    again every BTC_PRICE_REFRESH_SECONDS, and a failed run leaves the last good quote in place.
    Returns the refresh report (quote or each provider's error) plus `pruned`, the number of history
    documents older than PRICE_HISTORY_RETENTION_DAYS that were deleted."""
    report = services.refresh_btc()
    report["pruned"] = services.prune_history()
    return report
