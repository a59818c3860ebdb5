"""Key management over HTTP (admin scope)."""

from flask.views import MethodView

from webapp.apikeys import services
from webapp.apikeys.schemas import ApiKeyCreatedSchema, ApiKeyCreateSchema, ApiKeyListSchema
from webapp.http import Blueprint
from webapp.scopes import require_scope

blp = Blueprint("api-keys", __name__, url_prefix="/api/v1/api-keys", description="API key management (admin)")


@blp.route("")
class ApiKeys(MethodView):
    @require_scope("admin")
    @blp.response(200, ApiKeyListSchema)
    def get(self):
        """List active keys (never their secrets)."""
        return {"items": services.list_keys()}

    @require_scope("admin")
    @blp.arguments(ApiKeyCreateSchema)
    @blp.response(201, ApiKeyCreatedSchema)
    def post(self, body):
        """Create a key; the response is the only place its secret appears."""
        return services.issue_key(body["name"], body["scope"])


@blp.route("/<key_id>")
class ApiKeyById(MethodView):
    @require_scope("admin")
    @blp.response(204)
    def delete(self, key_id):
        """Revoke a key; it stops working with the next request."""
        services.revoke_key(key_id)
