"""The latest BTC price over HTTP (read scope)."""

from flask.views import MethodView

from webapp.http import Blueprint
from webapp.openapi import answers
from webapp.prices import services
from webapp.prices.schemas import BtcPriceSchema

blp = Blueprint("prices", __name__, url_prefix="/api/v1/prices", description="BTC price")


@blp.route("/btc")
class BtcPrice(MethodView):
    @answers(503)
    @blp.response(200, BtcPriceSchema)
    def get(self):
        """The latest BTC quote in EUR, GBP and USD with its age; 503 before the first refresh."""
        return services.price_view()
