"""Check-ins (client app and coach)."""

from flask import current_app, request
from flask.views import MethodView

from academy.checkins import service
from academy.checkins.schemas import (
    CheckInCreateSchema,
    CheckInQuerySchema,
    CheckInSchema,
    CheckInUpdateSchema,
    MyCheckInQuerySchema,
)
from academy.common.auth import CLIENT_ROLES, COACH_ROLES, current_user
from academy.common.blueprint import Blueprint
from academy.common.etag import if_match, version_header
from academy.common.pagination import paginate
from academy.common.responses import location
from academy.files.schemas import FormCheckUploadSchema, MediaSchema
from academy.files.uploads import FRAME

blp = Blueprint("checkins", __name__, url_prefix="/api/v1", description="Check-ins")


@blp.before_request
def _larger_uploads():
    # A form-check video's body may be as large as the video, and the multipart's frame.
    if request.endpoint == "checkins.MyCheckInMedia" and request.method == "POST":
        request.max_content_length = current_app.config["FORM_CHECK_MAX_BYTES"] + FRAME


def _page(query: dict, pagination_parameters, client_id=None) -> list[dict]:
    stmt = service.list_check_ins(current_user(), client_id, **query)
    rows = paginate(stmt, pagination_parameters, rows=True)
    return service.present(service.with_children(rows))


@blp.route("/me/check-ins")
class MyCheckIns(MethodView):
    @blp.auth(CLIENT_ROLES)
    @blp.arguments(MyCheckInQuerySchema, location="query")
    @blp.paginate()
    @blp.response(200, CheckInSchema(many=True))
    def get(self, query, pagination_parameters):
        """List the caller's check-ins, newest first (client app)

        `updated_since` keeps those written or corrected since the app's last sync.
        """
        return _page(query, pagination_parameters)

    @blp.auth(CLIENT_ROLES)
    @blp.idempotent()
    @blp.arguments(CheckInCreateSchema, cross_check=service.cross_check)
    @blp.response(201, CheckInSchema, etag=True, location=True)
    @blp.errors(400, 409, 413)
    def post(self, data):
        """Record a check-in (client app)

        Name the `assignment_id` and `session_id` the check-in is for, and give
        per-item `results` for items of that session; `ratings` rate tightness and
        pain (0-10) per region and side. The date may not be later than today in the
        client's timezone. A completed check-in marks its session `done`.
        """
        check_in, version = service.create_check_in(current_user(), data)
        where = location("checkins.MyCheckInById", check_in_id=check_in["id"])
        return check_in, 201, {**version_header(version), **where}


@blp.route("/me/check-ins/<int:check_in_id>")
class MyCheckInById(MethodView):
    @blp.auth(CLIENT_ROLES)
    @blp.response(200, CheckInSchema, etag=True)
    @blp.errors(404)
    def get(self, check_in_id):
        """Read one of the caller's check-ins (client app)

        The `ETag` header carries the version to send back in `If-Match` when correcting
        or deleting it.
        """
        check_in, version = service.read_check_in(current_user(), check_in_id)
        return check_in, 200, version_header(version)

    @blp.auth(CLIENT_ROLES)
    @blp.arguments(CheckInUpdateSchema)
    @blp.response(200, CheckInSchema, etag=True)
    @blp.errors(400, 404, 409)
    @blp.precondition()
    def patch(self, data, check_in_id):
        """Correct one of the caller's check-ins (needs If-Match) (client app)

        `results` and `ratings`, when given, replace the lists. Two devices correcting
        the same check-in: the second, holding an older `ETag`, gets 412.
        """
        check_in, version = service.update_check_in(current_user(), check_in_id, if_match(), data)
        return check_in, 200, version_header(version)

    @blp.auth(CLIENT_ROLES)
    @blp.response(204)
    @blp.errors(404)
    @blp.precondition()
    def delete(self, check_in_id):
        """Delete one of the caller's check-ins (needs If-Match) (client app)"""
        service.delete_check_in(current_user(), check_in_id, if_match())


@blp.route("/me/check-ins/<int:check_in_id>/media")
class MyCheckInMedia(MethodView):
    @blp.auth(CLIENT_ROLES)
    @blp.arguments(FormCheckUploadSchema, location="files", unknown="raise")
    @blp.response(201, MediaSchema, location=True)
    @blp.errors(400, 404, 409, 413)
    def post(self, data, check_in_id):
        """Attach a form-check video to one of the caller's check-ins (client app)

        Multipart, with the video as `file` (MP4 or WebM, up to 100 MB, its type read
        from its bytes) and an optional `caption`. The coach sees it on the check-in
        and answers in its message thread. A check-in holds at most 3 (409); anything
        but a whole MP4 or WebM video is 422, a larger one 413.
        """
        media = service.add_form_check(current_user(), check_in_id, data)
        where = location("checkins.MyCheckInMediaById", check_in_id=check_in_id, media_id=media.id)
        return media, 201, where


@blp.route("/me/check-ins/<int:check_in_id>/media/<int:media_id>")
class MyCheckInMediaById(MethodView):
    @blp.auth(CLIENT_ROLES)
    @blp.response(200, MediaSchema)
    @blp.errors(404)
    def get(self, check_in_id, media_id):
        """Read one of the caller's form-check videos, with a fresh link (client app)"""
        return service.get_form_check(current_user(), check_in_id, media_id)

    @blp.auth(CLIENT_ROLES)
    @blp.response(204)
    @blp.errors(404)
    def delete(self, check_in_id, media_id):
        """Remove one of the caller's form-check videos and its file (client app)"""
        service.delete_form_check(current_user(), check_in_id, media_id)


@blp.route("/clients/<int:client_id>/check-ins")
class ClientCheckIns(MethodView):
    @blp.auth(COACH_ROLES)
    @blp.arguments(CheckInQuerySchema, location="query")
    @blp.paginate()
    @blp.response(200, CheckInSchema(many=True))
    @blp.errors(404)
    def get(self, query, pagination_parameters, client_id):
        """List a client's check-ins, newest first"""
        return _page(query, pagination_parameters, client_id)


@blp.route("/check-ins/<int:check_in_id>")
class CheckInById(MethodView):
    @blp.auth(COACH_ROLES)
    @blp.response(200, CheckInSchema, etag=True)
    @blp.errors(404)
    def get(self, check_in_id):
        """Read a check-in of one of the academy's clients"""
        check_in, version = service.read_check_in(current_user(), check_in_id)
        return check_in, 200, version_header(version)
