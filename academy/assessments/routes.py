"""Posture assessments (coach), suggestions, program drafts and the client's view."""

from flask.views import MethodView

from academy.assessments import method, service, suggestions
from academy.assessments.schemas import (
    AssessmentCreateSchema,
    AssessmentSchema,
    AssessmentUpdateSchema,
    ClientAssessmentSchema,
    CompareQuerySchema,
    ComparisonSchema,
    DraftSchema,
    ProgramDraftSchema,
    SuggestionQuerySchema,
    SuggestionsSchema,
)
from academy.common.auth import CLIENT_ROLES, COACH_ROLES, current_user
from academy.common.blueprint import Blueprint
from academy.common.etag import etag_header, if_match
from academy.common.pagination import paginate
from academy.common.responses import location
from academy.programs import documents

blp = Blueprint("assessments", __name__, url_prefix="/api/v1", description="Posture assessments")


@blp.route("/clients/<int:client_id>/assessments")
class ClientAssessments(MethodView):
    @blp.auth(COACH_ROLES)
    @blp.paginate()
    @blp.response(200, AssessmentSchema(many=True))
    @blp.errors(404)
    def get(self, pagination_parameters, client_id):
        """List a client's assessments, newest first"""
        return paginate(service.list_assessments(current_user(), client_id), pagination_parameters)

    @blp.auth(COACH_ROLES)
    @blp.arguments(AssessmentCreateSchema)
    @blp.response(201, AssessmentSchema, etag=True, location=True)
    @blp.errors(400, 404, 413)
    def post(self, data, client_id):
        """Record a posture assessment

        `notes` are the coach's private notes; `client_summary` is what the client
        reads once `shared_with_client` is true.
        """
        assessment = service.create_assessment(current_user(), client_id, data)
        where = location("assessments.AssessmentById", assessment_id=assessment.id)
        return assessment, 201, {**etag_header(assessment), **where}


@blp.route("/clients/<int:client_id>/assessments/compare")
class AssessmentComparison(MethodView):
    @blp.auth(COACH_ROLES)
    @blp.arguments(CompareQuerySchema, location="query")
    @blp.response(200, ComparisonSchema)
    @blp.errors(404)
    def get(self, query, client_id):
        """Compare two assessments field by field

        `to` picks the latest assessment on or before it (default: the latest);
        `from` the earliest on or after it (default: the one before). Each field is
        `improved`, `worse` or `unchanged`: a tilt closer to neutral, less rib flare,
        breathing closer to diaphragmatic, no gripping or overstride, a higher
        cadence, fewer findings and lower tightness and pain are improvements.
        """
        return service.compare(
            current_user(),
            client_id,
            query.get("from_"),
            query.get("to"),
            query.get("from_id"),
            query.get("to_id"),
        )


@blp.route("/assessments/<int:assessment_id>")
class AssessmentById(MethodView):
    @blp.auth(COACH_ROLES)
    @blp.response(200, AssessmentSchema, etag=True)
    @blp.errors(404)
    def get(self, assessment_id):
        """Read an assessment"""
        assessment = service.get_assessment(current_user(), assessment_id)
        return assessment, 200, etag_header(assessment)

    @blp.auth(COACH_ROLES)
    @blp.arguments(AssessmentUpdateSchema)
    @blp.response(200, AssessmentSchema, etag=True)
    @blp.errors(400, 404)
    @blp.precondition()
    def patch(self, data, assessment_id):
        """Change an assessment (needs If-Match)"""
        assessment = service.update_assessment(current_user(), assessment_id, if_match(), data)
        return assessment, 200, etag_header(assessment)

    @blp.auth(COACH_ROLES)
    @blp.response(204)
    @blp.errors(404)
    @blp.precondition()
    def delete(self, assessment_id):
        """Archive an assessment (needs If-Match)"""
        service.archive_assessment(current_user(), assessment_id, if_match())


_RULES = f"""

**The method's rules**, as `academy/assessments/method.py` writes them:

{method.rules_table()}
"""


@blp.route("/assessments/<int:assessment_id>/suggestions")
class AssessmentSuggestions(MethodView):
    @blp.auth(COACH_ROLES)
    @blp.arguments(SuggestionQuerySchema, location="query")
    @blp.response(200, SuggestionsSchema)
    @blp.errors(404)
    @blp.doc(
        description="Every suggestion says `why` in a coach's words; the answer names the "
        "side to bias (`bias`, `bias_reason`), the findings the measurements show "
        "(`derived`) and what was left out for safety (`held_back`). Up to `per_stage` "
        "exercises a stage." + _RULES
    )
    def get(self, query, assessment_id):
        """Catalogue exercises for this assessment, position → breathing → strength"""
        assessment = service.get_assessment(current_user(), assessment_id)
        return suggestions.suggest(current_user(), assessment, query["per_stage"])


@blp.route("/assessments/<int:assessment_id>/program-draft")
class AssessmentProgramDraft(MethodView):
    @blp.auth(COACH_ROLES)
    @blp.arguments(DraftSchema, required=False)
    @blp.response(201, ProgramDraftSchema, etag=True, location=True)
    @blp.errors(400, 404, 413)
    @blp.doc(
        description="A phased block of `weeks` (1-12, default 4) and `sessions_per_week` "
        "(1-7, default 3) from the suggestions: position and breathing first, strength "
        "from the third week (later when pain is high), dosage rising week to week, each "
        "session's notes saying the week's aim; cadence work with a target when the gait "
        "needs it; a maintenance block when nothing was found. The body may be left out. "
        "Edit it, then assign it." + _RULES
    )
    def post(self, data, assessment_id):
        """Draft a program template from the suggestions"""
        program, beside = service.draft_program(
            current_user(), assessment_id, data["weeks"], data["sessions_per_week"]
        )
        where = location("programs.ProgramById", program_id=program.id)
        return (
            {**documents.program_document(program), **beside},
            201,
            {
                **etag_header(program),
                **where,
            },
        )


@blp.route("/me/assessments")
class MyAssessments(MethodView):
    @blp.auth(CLIENT_ROLES)
    @blp.paginate()
    @blp.response(200, ClientAssessmentSchema(many=True))
    def get(self, pagination_parameters):
        """The caller's shared assessments, without the coach's private notes (client app)"""
        return paginate(service.my_assessments(current_user()), pagination_parameters)
