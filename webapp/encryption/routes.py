"""Encryption key usage over HTTP (admin scope)."""

from flask.views import MethodView

from webapp.auth import require_scope
from webapp.encryption import services
from webapp.encryption.schemas import KeyUsageSchema
from webapp.http import Blueprint

blp = Blueprint(
    "encryption", __name__, url_prefix="/api/v1/admin/encryption", description="Field encryption keys (admin)"
)


@blp.route("")
class KeyUsage(MethodView):
    @require_scope("admin")
    @blp.response(200, KeyUsageSchema)
    def get(self):
        """How many stored values each key id seals, and the last rotation run."""
        return services.key_usage()
