"""Twilio's status callback (public: authenticated by its signature, not an API key)."""

from flask import request
from flask.views import MethodView

from webapp.http import Blueprint, accepts_form
from webapp.notifications import receipts
from webapp.openapi import answers
from webapp.scopes import public

blp = Blueprint("webhooks", __name__, url_prefix="/api/v1/webhooks", description="Third-party callbacks")


@blp.route("/twilio/status")
class TwilioStatus(MethodView):
    @public
    @accepts_form
    @answers(422)
    @blp.doc(security=[])
    @blp.response(204)
    def post(self):
        """Twilio delivery receipt (form-encoded, signed with X-Twilio-Signature; 403 if not valid)."""
        query = request.query_string.decode()
        url = receipts.callback_url(request.url, request.path + (f"?{query}" if query else ""))
        receipts.handle_status_callback(
            url, request.form.to_dict(), request.headers.get("X-Twilio-Signature", ""), request.args.get("tx")
        )
