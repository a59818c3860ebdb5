"""The assets API (`/api/v1/assets`) and its ingestion runs (`/api/v1/ingestions`): one blueprint
(the app factory registers one per domain), one MethodView per resource, all thin."""

from flask import Response, request
from flask.views import MethodView

from webapp.assets import services
from webapp.assets.schemas import AssetListSchema, AssetQuerySchema, IngestionRunPageSchema, IngestionRunSchema
from webapp.auth import require_scope
from webapp.http import Blueprint
from webapp.openapi import answers
from webapp.pagination import PageArgsSchema

blp = Blueprint("assets", __name__, url_prefix="/api/v1", description="Crypto asset snapshots and their ingestion")


@blp.route("/assets")
class Assets(MethodView):
    @blp.arguments(AssetQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, AssetListSchema, description="JSON, or text/csv with format=csv")
    @blp.alt_response(
        200, schema={"type": "string"}, content_type="text/csv", description="JSON, or text/csv with format=csv"
    )
    @blp.alt_response(304, description="If-None-Match matched the ETag")
    @blp.alt_response(404, description="No snapshot published at or before `datetime`")
    @blp.alt_response(503, description="No snapshot published yet")
    def get(self, limit, at, fmt):
        """Ranked assets with USD prices from the latest (or a past) snapshot, in rank order."""
        answer = services.asset_listing(limit, at, fmt, request.if_none_match)
        response = Response(answer["body"], status=answer["status"], content_type=answer["content_type"])
        response.set_etag(answer["etag"])
        # Private (a key was needed to read it); revalidate, since the latest snapshot changes.
        response.headers["Cache-Control"] = "private, no-cache"
        return response


@blp.route("/ingestions")
class Ingestions(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, IngestionRunPageSchema)
    def get(self, args):
        """Ingestion runs, newest first."""
        return services.list_runs(args["page"], args["page_size"])

    @require_scope("admin")
    @answers(503)
    @blp.response(202, IngestionRunSchema)
    @blp.alt_response(409, description="A run is in progress; `errors.running_run_id` names it")
    def post(self):
        """Start an ingestion run now (one at a time)."""
        return services.request_ingestion("api")


@blp.route("/ingestions/<run_id>")
class IngestionById(MethodView):
    @blp.response(200, IngestionRunSchema)
    def get(self, run_id):
        """One run with its progress and recorded errors."""
        return services.get_run(run_id)
