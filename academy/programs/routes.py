"""Programs and their assignment to clients (coach only)."""

from flask.views import MethodView

from academy.common.auth import COACH_ROLES, current_user
from academy.common.blueprint import Blueprint
from academy.common.etag import etag_header, if_match
from academy.common.pagination import paginate
from academy.common.responses import location
from academy.programs import documents, service
from academy.programs.schemas import (
    AssignmentCreateSchema,
    AssignmentSchema,
    AssignmentUpdateSchema,
    ProgramCopySchema,
    ProgramQuerySchema,
    ProgramSchema,
    ProgramSummarySchema,
    ProgramWriteSchema,
)

blp = Blueprint(
    "programs", __name__, url_prefix="/api/v1", description="Programs and assignments (coach only)"
)


def _program_response(program, status: int = 200):
    headers = etag_header(program)
    if status == 201:
        headers.update(location("programs.ProgramById", program_id=program.id))
    return documents.program_document(program), status, headers


@blp.route("/programs")
class Programs(MethodView):
    @blp.auth(COACH_ROLES)
    @blp.arguments(ProgramQuerySchema, location="query")
    @blp.paginate()
    @blp.response(200, ProgramSummarySchema(many=True))
    def get(self, query, pagination_parameters):
        """List programs

        `kind` is `template` (built by coaches) or `client` (a client's own copy, made
        by assigning); `client_id` lists one client's programs. Archived programs are
        left out unless `include_archived=true`.
        """
        return paginate(service.list_programs(current_user(), **query), pagination_parameters)

    @blp.auth(COACH_ROLES)
    @blp.arguments(ProgramWriteSchema)
    @blp.response(201, ProgramSchema, etag=True, location=True)
    @blp.errors(400, 413)
    def post(self, data):
        """Create a program template

        Sessions are `(week, day)` slots, `day` 1-7 and each slot at most once; items
        run in list order and default to their exercise's stage. Errors name the
        failing path, e.g. `sessions[2].items[0].exercise_id`.
        """
        return _program_response(service.create_program(current_user(), data), 201)


@blp.route("/programs/<int:program_id>")
class ProgramById(MethodView):
    @blp.auth(COACH_ROLES)
    @blp.conditional()
    @blp.response(200, ProgramSchema, etag=True)
    @blp.errors(404)
    def get(self, program_id):
        """Read a program with every session and item

        The `ETag` header carries the version to send back in `If-Match`.
        """
        program, document = service.read_program(current_user(), program_id)
        return document, 200, etag_header(program)

    @blp.auth(COACH_ROLES)
    @blp.arguments(ProgramWriteSchema)
    @blp.response(200, ProgramSchema, etag=True)
    @blp.errors(400, 404, 409, 413)
    @blp.precondition()
    def put(self, data, program_id):
        """Replace a program's document (needs If-Match)

        Sessions that did not change keep their ids; changed or dropped ones are
        retired rather than deleted, so check-ins keep showing what was prescribed.
        """
        program = service.replace_program(current_user(), program_id, if_match(), data)
        return _program_response(program)

    @blp.auth(COACH_ROLES)
    @blp.response(204)
    @blp.errors(404)
    @blp.precondition()
    def delete(self, program_id):
        """Archive a program (needs If-Match)

        It leaves lists and can no longer be assigned; assignments made from it go on.
        """
        service.archive_program(current_user(), program_id, if_match())


@blp.route("/programs/<int:program_id>/copy")
class ProgramCopy(MethodView):
    @blp.auth(COACH_ROLES)
    @blp.arguments(ProgramCopySchema)
    @blp.response(201, ProgramSchema, etag=True, location=True)
    @blp.errors(400, 404)
    def post(self, data, program_id):
        """Copy a program into a new template"""
        program = service.copy_program(current_user(), program_id, data.get("name"))
        return _program_response(program, 201)


@blp.route("/clients/<int:client_id>/assignments")
class ClientAssignments(MethodView):
    @blp.auth(COACH_ROLES)
    @blp.paginate()
    @blp.response(200, AssignmentSchema(many=True))
    @blp.errors(404)
    def get(self, pagination_parameters, client_id):
        """List a client's assignments, newest start first"""
        stmt = service.list_client_assignments(current_user(), client_id)
        return paginate(stmt, pagination_parameters)

    @blp.auth(COACH_ROLES)
    @blp.arguments(AssignmentCreateSchema)
    @blp.response(201, AssignmentSchema, etag=True, location=True)
    @blp.errors(400, 404, 409)
    def post(self, data, client_id):
        """Assign a program to a client

        The client gets their own copy of the program (a `client` program), which the
        coach may then tailor without touching the template. Session `(week, day)`
        falls on `start_date + 7*(week-1) + (day-1)`.
        """
        assignment = service.assign(current_user(), client_id, data)
        where = location("programs.AssignmentById", assignment_id=assignment.id)
        return assignment, 201, {**etag_header(assignment), **where}


@blp.route("/assignments/<int:assignment_id>")
class AssignmentById(MethodView):
    @blp.auth(COACH_ROLES)
    @blp.response(200, AssignmentSchema, etag=True)
    @blp.errors(404)
    def get(self, assignment_id):
        """Read an assignment"""
        assignment = service.get_assignment(current_user(), assignment_id)
        return assignment, 200, etag_header(assignment)

    @blp.auth(COACH_ROLES)
    @blp.arguments(AssignmentUpdateSchema)
    @blp.response(200, AssignmentSchema, etag=True)
    @blp.errors(400, 404, 409)
    @blp.precondition()
    def patch(self, data, assignment_id):
        """Change an assignment's status, start date or notes (needs If-Match)

        `active` ⇄ `paused`; `active` or `paused` → `completed` or `cancelled`, which
        are final (409 otherwise). A new start date moves the whole schedule.
        """
        assignment = service.update_assignment(current_user(), assignment_id, if_match(), data)
        return assignment, 200, etag_header(assignment)
