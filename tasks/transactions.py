"""Statistics tasks: settle one transaction's change, sweep the statistics outbox, reconcile."""

from celery import shared_task

from webapp.settings import current as current_settings
from webapp.transactions import reconcile, services, stats


@shared_task(name="transactions.apply_stats", queue="default")
def apply_stats(transaction_id: str, sms: bool = False) -> str:
    """Move the statistics to transaction `transaction_id`'s current version; after a creation
    (`sms`), then publish its SMS task (once per notification). Idempotent (each change is an event
    applied once per figure document; the SMS publish is a compare-and-set); never retried: a lost
    or failed run is finished by the next run for the same transaction, the sweepers or
    reconciliation."""
    return services.settle(transaction_id, sms)


@shared_task(name="transactions.sweep_stats", queue="default")
def sweep_stats() -> int:
    """Beat job, the statistics outbox sweeper: re-publish the statistics task of writes whose
    publish failed (still `stats_dirty_at` after NOTIFICATION_PENDING_GRACE_SECONDS). Idempotent;
    never retried, the next beat run follows."""
    return stats.sweep_dirty(current_settings().transactions.NOTIFICATION_PENDING_GRACE_SECONDS)


@shared_task(name="transactions.reconcile_stats", queue="default", ignore_result=False)
def reconcile_stats(user_id: str | None = None) -> dict:
    """Recompute figures from the transactions (one user, or all), repair and log drift; returns
    the repairs. Idempotent; never retried (the next periodic run follows)."""
    return reconcile.reconcile(user_id)
