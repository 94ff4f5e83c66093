"""Check-ins (client app and coach), adherence, trends and the dashboard."""

from flask import Response, current_app, request
from flask.views import MethodView

from academy.checkins import load, progress, service
from academy.checkins.schemas import (
    AdherenceSchema,
    AttentionSchema,
    CheckInCreateSchema,
    CheckInQuerySchema,
    CheckInSchema,
    CheckInUpdateSchema,
    DateRangeSchema,
    LoadSchema,
    MyCheckInQuerySchema,
    TrendQuerySchema,
    TrendsSchema,
)
from academy.common.auth import CLIENT_ROLES, COACH_ROLES, current_user
from academy.common.blueprint import Blueprint
from academy.common.etag import if_match, version_header
from academy.common.idempotency import KEY_DESCRIPTION, KEY_SCHEMA, idempotent
from academy.common.pagination import paginate
from academy.common.responses import json_response, location
from academy.files.schemas import FormCheckUploadSchema, MediaSchema
from academy.files.uploads import FRAME

blp = Blueprint("checkins", __name__, url_prefix="/api/v1", description="Check-ins and progress")


@blp.before_request
def _larger_uploads():
    # A form-check video's body may be as large as the video, and the multipart's frame.
    if request.endpoint == "checkins.MyCheckInMedia" and request.method == "POST":
        request.max_content_length = current_app.config["FORM_CHECK_MAX_BYTES"] + FRAME


def _page(query: dict, pagination_parameters, client_id=None) -> Response:
    stmt = service.list_check_ins(current_user(), client_id, **query)
    rows = paginate(stmt, pagination_parameters, rows=True)
    return json_response(service.present(service.with_children(rows)))


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
    @idempotent
    @blp.arguments(CheckInCreateSchema, cross_check=service.cross_check)
    @blp.response(201, CheckInSchema, etag=True, location=True)
    @blp.errors(400, 409, 413)
    @blp.header("Idempotency-Key", KEY_DESCRIPTION, schema=KEY_SCHEMA)
    def post(self, data):
        """Record a check-in (client app)

        Name the `assignment_id` and `session_id` the check-in is for, and give
        per-item `results` for items of that session; `ratings` rate tightness and
        pain (0-10) per region and side. The date may not be later than today in the
        client's timezone. A completed check-in marks its session `done`.
        """
        check_in = service.create_check_in(current_user(), data)
        where = location("checkins.MyCheckInById", check_in_id=check_in["id"])
        return json_response(check_in, 201, {**version_header(1), **where})


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
        return json_response(check_in, 200, version_header(version))

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
        return json_response(check_in, 200, version_header(version))

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
        return json_response(check_in, 200, version_header(version))


@blp.route("/clients/<int:client_id>/adherence")
class ClientAdherence(MethodView):
    @blp.auth(COACH_ROLES)
    @blp.arguments(DateRangeSchema, location="query")
    @blp.response(200, AdherenceSchema)
    @blp.errors(404)
    def get(self, query, client_id):
        """Scheduled against completed sessions

        A session is scheduled on `start_date + 7*(week-1) + (day-1)` of an active or
        completed assignment; sessions of paused or cancelled assignments never count
        as missed. A session counts once its day has passed in the client's timezone
        (or earlier, once done) and is completed when a completed check-in names it.
        `rate` is completed ÷ counted; `compliance` gives the same over the 7, 30 and
        90 days up to today; `current_streak` is the number of counted sessions
        completed in a row up to the latest. The range defaults to the last 90 days.
        """
        return progress.adherence(current_user(), client_id, query.get("from_"), query.get("to"))


@blp.route("/clients/<int:client_id>/trends")
class ClientTrends(MethodView):
    @blp.auth(COACH_ROLES)
    @blp.arguments(TrendQuerySchema, location="query")
    @blp.response(200, TrendsSchema)
    @blp.errors(404)
    def get(self, query, client_id):
        """Tightness and pain per region and side over time

        Daily averages per side; `difference` is left minus right on the days both
        sides were rated. The range defaults to the last 90 days.
        """
        return progress.trends(
            current_user(), client_id, query.get("region"), query.get("from_"), query.get("to")
        )


_LOAD_DOC = """

    sRPE load of a check-in = `rpe * duration_minutes` (its run's minutes when it has
    none). Cross-training (the check-in of an uploaded ride, swim or other activity not
    a run) counts apart as `cross_training_load`, at RPE 5 when the client gave none,
    and holds no running distance: `distance_km` is running only. The ratios, monotony
    and strain read both loads together. Acute = the load of the 7 days up to `to`;
    chronic = the load of the 28 days up to `to` ÷ 4; `rolling` = acute ÷ chronic (null
    when chronic is 0); `ewma` = the same of exponentially weighted averages (λ =
    2/(N+1), N = 7 and 28, from 0 over the 84 days up to `to`). A week runs Monday to
    Sunday: monotony = mean ÷ population standard deviation of its daily loads, strain
    = its load * monotony. The range defaults to the 90 days up to today in the
    client's timezone; a range longer than 366 days answers its last 366 (`from` in the
    answer says where it starts), and `to` before `from` answers no days and no weeks.
    """


@blp.route("/clients/<int:client_id>/load")
class ClientLoad(MethodView):
    @blp.auth(COACH_ROLES)
    @blp.arguments(DateRangeSchema, location="query")
    @blp.response(200, LoadSchema)
    @blp.errors(404)
    def get(self, query, client_id):
        return load.read_load(current_user(), client_id, query.get("from_"), query.get("to"))

    get.__doc__ = "A client's training load: sRPE, distance, ACWR, monotony, strain" + _LOAD_DOC


@blp.route("/me/load")
class MyLoad(MethodView):
    @blp.auth(CLIENT_ROLES)
    @blp.arguments(DateRangeSchema, location="query")
    @blp.response(200, LoadSchema)
    def get(self, query):
        actor = current_user()
        return load.read_load(actor, actor.id, query.get("from_"), query.get("to"))

    get.__doc__ = "The caller's training load (client app)" + _LOAD_DOC


@blp.route("/dashboard")
class Dashboard(MethodView):
    @blp.auth(COACH_ROLES)
    @blp.paginate()
    @blp.response(200, AttentionSchema(many=True))
    def get(self, pagination_parameters):
        """Clients who need attention, with the reasons

        `compliance_dropping`: 7-day compliance 20 or more points below 30-day;
        `pain_reported`: pain of 7 or more in the last 7 days; `no_recent_check_in`:
        no check-in for 7 days; `load_spike`: rolling acute:chronic workload ratio above
        1.5 (`GET /clients/{id}/load`); `distance_jump`: this week or last week ran over
        30% more distance than the week before, and at least 10 km; `unread_messages`:
        the client wrote and no coach has marked it read; `plan_conflicts` (with `count`):
        items ahead that the safety rules now hold back, given the client's latest
        assessment and check-ins (`GET /clients/{id}/plan-conflicts`). Days are the
        client's calendar days.
        """
        return progress.dashboard(current_user(), pagination_parameters)
