"""Statistics tasks: apply one transaction's change, reconcile figures with the transactions."""

from celery import shared_task

from webapp.transactions import reconcile, stats


@shared_task(name="transactions.apply_stats", queue="default")
def apply_stats(transaction_id: str) -> str:
    """Move the statistics to transaction `transaction_id`'s current version. Idempotent (each
    change is an event applied once per figure document); never retried: a lost or failed run is
    finished by the next run for the same transaction or by reconciliation."""
    return stats.apply_transaction(transaction_id)


@shared_task(name="transactions.reconcile_stats", queue="default", ignore_result=False)
def reconcile_stats(user_id: str | None = None, trigger: str | None = None) -> dict:
    """Recompute figures from the transactions (one user, or all), repair and log drift; returns
    the repairs. Idempotent; never retried (the next periodic run follows)."""
    return reconcile.reconcile(user_id)
