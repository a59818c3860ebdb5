"""The audit trail over HTTP (admin scope): newest first, cursor-paged, filtered."""

from flask.views import MethodView

from webapp.audit import services
from webapp.audit.schemas import AuditArgsSchema, AuditPageSchema
from webapp.auth import require_scope
from webapp.http import Blueprint

blp = Blueprint("audit", __name__, url_prefix="/api/v1/audit", description="Audit trail (admin)")


@blp.route("")
class AuditRecords(MethodView):
    @require_scope("admin")
    @blp.arguments(AuditArgsSchema, location="query")
    @blp.response(200, AuditPageSchema)
    def get(self, args):
        """Audit records, newest first (`next_cursor` is null on the last page)."""
        return services.list_records(args)
