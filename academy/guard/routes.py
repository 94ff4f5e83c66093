"""Plan conflicts and the coach's swap for the easier rung."""

from flask.views import MethodView

from academy.common.auth import COACH_ROLES, current_user
from academy.common.blueprint import Blueprint
from academy.common.etag import etag_header, if_match
from academy.common.pagination import paginate_list
from academy.guard import service
from academy.guard.schemas import ApplyEasierResultSchema, ApplyEasierSchema, PlanConflictSchema

blp = Blueprint(
    "guard",
    __name__,
    url_prefix="/api/v1",
    description="The plan stays safe as the runner changes: what the safety rules hold back "
    "in the sessions ahead, and the easier rung in its place",
)


@blp.route("/clients/<int:client_id>/plan-conflicts")
class ClientPlanConflicts(MethodView):
    @blp.auth(COACH_ROLES)
    @blp.paginate()
    @blp.response(200, PlanConflictSchema(many=True))
    @blp.errors(404)
    def get(self, pagination_parameters, client_id):
        """The items ahead that the safety rules hold back today, with the easier rung

        The method's safety rules (the table at `GET /assessments/{id}/suggestions`) run
        over the client's active assignments' sessions from today on, fed by the latest
        assessment and the pain of the check-ins of the last two weeks (a check-in newer
        than the assessment is the latest word on its region and side). The client's app
        shows these items with `held`. Each comes with the nearest easier rung of its
        exercise's ladder that the rules allow, or none.
        """
        conflicts = service.plan_conflicts(current_user(), client_id)
        return paginate_list(conflicts, pagination_parameters)


@blp.route("/assignments/<int:assignment_id>/apply-easier")
class AssignmentApplyEasier(MethodView):
    @blp.auth(COACH_ROLES)
    @blp.arguments(ApplyEasierSchema)
    @blp.response(200, ApplyEasierResultSchema, etag=True)
    @blp.errors(400, 404, 409, 413)
    @blp.precondition()
    def post(self, data, assignment_id):
        """Swap held-back items for their easier rung (needs If-Match)

        Each listed item (still ahead and held back today) is replaced by the nearest
        easier rung the rules allow, at the rung's default dosage, with a note saying why;
        an item with no safe rung is removed. The sessions that change are retired and
        written anew, as any edit of the client's program is (check-ins keep what was
        prescribed), and the assignment gets a new version: its new `ETag` is answered.
        An item that is not held back is 422 and nothing changes; a client program that
        was archived is 409 (copy it to work on it again).
        """
        assignment, swapped = service.apply_easier(
            current_user(), assignment_id, if_match(), data["items"]
        )
        answer = {
            "assignment_id": assignment.id,
            "program_id": assignment.program_id,
            "swapped": swapped,
        }
        return answer, 200, etag_header(assignment)
