"""The audit log (coach only)."""

from flask.views import MethodView

from academy.audit import service
from academy.audit.schemas import AuditEntrySchema, AuditQuerySchema
from academy.common.auth import COACH_ROLES, current_user
from academy.common.blueprint import Blueprint
from academy.common.pagination import paginate

blp = Blueprint("audit", __name__, url_prefix="/api/v1", description="Audit log")


@blp.route("/audit")
class Audit(MethodView):
    @blp.auth(COACH_ROLES)
    @blp.arguments(AuditQuerySchema, location="query")
    @blp.paginate()
    @blp.response(200, AuditEntrySchema(many=True))
    def get(self, query, pagination_parameters):
        """Read the academy's audit log, newest first

        One entry per write to a client, program, assignment, check-in or assessment:
        who (`actor_id`, `actor_role`), what (`action`, `resource`, `resource_id`),
        which `fields`, and when. Never the values.
        """
        return paginate(service.list_entries(current_user(), **query), pagination_parameters)
