"""Dialogs and consent over HTTP. Path ids are validated by schema (422 for a malformed id)."""

from flask.views import MethodView

from webapp.dialogs import services
from webapp.dialogs.schemas import (
    CONSENT_REQUEST_BODY,
    ConsentBodySchema,
    ConsentResultSchema,
    CustomerPathSchema,
    DialogIdPathSchema,
    DialogListArgsSchema,
    DialogPageSchema,
    DialogPathSchema,
    DialogSchema,
    DialogStateSchema,
    ErasureResultSchema,
    MessageCreateSchema,
)
from webapp.http import Blueprint
from webapp.openapi import answers

blp = Blueprint("dialogs", __name__, url_prefix="/api/v1", description="Chatbot dialogs and consent")


@blp.route("/data")
class DialogList(MethodView):
    @blp.arguments(DialogListArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, DialogPageSchema)
    def get(self, page, page_size, language=None, customer_id=None):
        """Consented dialogs, newest last message first; filter by language and/or customer."""
        return services.list_dialogs(page, page_size, language=language, customer_id=customer_id)


@blp.route("/data/<customer_id>/<dialog_id>")
class DialogById(MethodView):
    @answers(409, 410)
    @blp.arguments(DialogPathSchema, location="path")
    @blp.arguments(MessageCreateSchema)
    @blp.response(201, DialogStateSchema)
    def post(self, path, body, **_url):
        """Append a message to a dialog (its first message creates it, pending consent)."""
        return services.append_message(path["customer_id"], path["dialog_id"], body["text"], body["language"])

    @blp.arguments(DialogPathSchema, location="path")
    @blp.response(200, DialogSchema)
    def get(self, path, **_url):
        """A consented dialog with its messages (404 if unknown, not consented or another customer's)."""
        return services.get_dialog(path["customer_id"], path["dialog_id"])

    @blp.arguments(DialogPathSchema, location="path")
    @blp.response(204)
    def delete(self, path, **_url):
        """Delete a dialog of this customer and all its messages."""
        services.delete_dialog(path["customer_id"], path["dialog_id"])


@blp.route("/consents/<dialog_id>")
class Consent(MethodView):
    @answers(410)
    @blp.arguments(DialogIdPathSchema, location="path")
    @blp.arguments(ConsentBodySchema)
    @blp.doc(requestBody=CONSENT_REQUEST_BODY)
    @blp.response(200, ConsentResultSchema)
    def post(self, path, body, **_url):
        """Answer the consent question: true keeps the dialog, false deletes it and its messages."""
        return services.set_consent(path["dialog_id"], body["consent"])


@blp.route("/customers/<customer_id>/data")
class CustomerData(MethodView):
    @blp.arguments(CustomerPathSchema, location="path")
    @blp.response(200, ErasureResultSchema)
    def delete(self, path, **_url):
        """Erase every dialog of a customer, consented or not."""
        return services.erase_customer(path["customer_id"])
