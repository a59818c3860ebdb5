"""The latest BTC price and its history over HTTP (read scope)."""

from flask.views import MethodView

from webapp.http import Blueprint
from webapp.openapi import answers
from webapp.prices import history, services
from webapp.prices.schemas import BtcPriceSchema, PriceHistoryArgsSchema, PriceHistorySchema

blp = Blueprint("prices", __name__, url_prefix="/api/v1/prices", description="BTC price")


@blp.route("/btc")
class BtcPrice(MethodView):
    @answers(503)
    @blp.response(200, BtcPriceSchema)
    def get(self):
        """The latest BTC quote in EUR, GBP and USD with its age; 503 before the first refresh."""
        return services.price_view()


@blp.route("/btc/history")
class BtcPriceHistory(MethodView):
    @blp.arguments(PriceHistoryArgsSchema, location="query")
    @blp.response(200, PriceHistorySchema)
    def get(self, args):
        """OHLC points of one currency per interval (1m, 5m, 1h, 1d) from the stored quotes; default
        the last 24 h at 5m; intervals without a quote are left out."""
        return history.price_history(args["currency"], args["start"], args["end"], args["interval"])
