"""Transactions and analytics over HTTP: thin views over `webapp.transactions.services`."""

from flask.views import MethodView

from webapp.http import Blueprint
from webapp.transactions import services
from webapp.transactions.schemas import (
    AnalyticsSchema,
    DailySchema,
    DayRangeSchema,
    TransactionCreateSchema,
    TransactionListArgsSchema,
    TransactionPageSchema,
    TransactionSchema,
    TransactionUpdateSchema,
)

blp = Blueprint("transactions", __name__, url_prefix="/api/v1", description="Transactions and analytics")


@blp.route("/transactions")
class Transactions(MethodView):
    @blp.arguments(TransactionCreateSchema)
    @blp.response(201, TransactionSchema)
    def post(self, body):
        """Record a transaction; statistics and the SMS follow through Celery."""
        return services.create_transaction(body)


@blp.route("/transactions/<transaction_id>")
class TransactionById(MethodView):
    @blp.response(200, TransactionSchema)
    def get(self, transaction_id):
        """One transaction with its notification state."""
        return services.get_transaction(transaction_id)

    @blp.arguments(TransactionUpdateSchema)
    @blp.response(200, TransactionSchema)
    def patch(self, body, transaction_id):
        """Change name, date, amount or type; the statistics follow."""
        return services.update_transaction(transaction_id, body)

    @blp.response(204)
    def delete(self, transaction_id):
        """Delete a transaction; the statistics follow."""
        services.delete_transaction(transaction_id)


@blp.route("/users/<user_id>/transactions")
class UserTransactions(MethodView):
    @blp.arguments(TransactionListArgsSchema, location="query")
    @blp.response(200, TransactionPageSchema)
    def get(self, args, user_id):
        """A user's transactions, newest first; `from`/`to` inclusive UTC days, `type` filter."""
        return services.list_user_transactions(user_id, args)


@blp.route("/users/<user_id>/analytics")
class UserAnalytics(MethodView):
    @blp.arguments(DayRangeSchema, location="query")
    @blp.response(200, AnalyticsSchema)
    def get(self, args, user_id):
        """Totals, average, busiest day and credit score, from precomputed figures."""
        return services.user_analytics(user_id, args)


@blp.route("/users/<user_id>/analytics/daily")
class UserDaily(MethodView):
    @blp.arguments(DayRangeSchema, location="query")
    @blp.response(200, DailySchema)
    def get(self, args, user_id):
        """One item per UTC day (default the last 30): transactions, credit and debit totals and the
        end-of-day balance, from the per-day statistics."""
        return services.user_daily(user_id, args)
