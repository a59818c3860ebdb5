"""BTC orders over HTTP. Creation needs the write scope and is rate-limited per API key
(RATE_LIMIT_ORDERS, on top of the default limit); reads need the read scope."""

from flask import g
from flask.views import MethodView

from webapp.http import Blueprint
from webapp.openapi import answers
from webapp.orders import services
from webapp.orders.schemas import (
    IdempotencyHeaderSchema,
    OrderCreateSchema,
    OrderListArgsSchema,
    OrderPageSchema,
    OrderSchema,
    OrderSummarySchema,
)
from webapp.ratelimit import limited

blp = Blueprint("orders", __name__, url_prefix="/api/v1/orders", description="BTC buy orders")


@blp.route("")
class Orders(MethodView):
    @blp.arguments(OrderListArgsSchema, location="query")
    @blp.response(200, OrderPageSchema)
    def get(self, args):
        """Orders, newest first, by cursor (`next_cursor` is null on the last page)."""
        return services.list_orders(args["page_size"], args["cursor"])

    @limited("RATE_LIMIT_ORDERS")
    @answers(409, 503)
    @blp.arguments(IdempotencyHeaderSchema, location="headers")
    @blp.arguments(OrderCreateSchema)
    @blp.response(201, OrderSchema)
    def post(self, headers, body):
        """Buy BTC for fiat at the latest price (btc_amount rounded up to a satoshi).

        With `Idempotency-Key`, a repeat of the same body returns the first response again with
        `Idempotent-Replayed: true`; the same key with another body is 422."""
        result, status, replayed = services.create_order(str(g.api_key.id), body, headers["idempotency_key"])
        return result, status, ({"Idempotent-Replayed": "true"} if replayed else {})


# Registered before "/<order_id>" so that "summary" is never taken for an id.
@blp.route("/summary")
class OrderSummary(MethodView):
    @blp.response(200, OrderSummarySchema)
    def get(self):
        """How much BTC was ordered, the cap and what remains under it."""
        return services.summary()


@blp.route("/<order_id>")
class OrderById(MethodView):
    @blp.response(200, OrderSchema)
    def get(self, order_id):
        """One order; 404 when the id is unknown or malformed."""
        return services.get_order(order_id)
