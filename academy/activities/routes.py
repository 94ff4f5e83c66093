"""Activities: the client app uploads a watch's file; coaches read them."""

from flask import current_app, request
from flask.views import MethodView

from academy.activities import service
from academy.activities.schemas import ActivityQuerySchema, ActivitySchema, ActivityUploadSchema
from academy.activities.storage import upload_limit
from academy.common.auth import CLIENT_ROLES, COACH_ROLES, current_user
from academy.common.blueprint import Blueprint
from academy.common.pagination import paginate
from academy.common.responses import location

blp = Blueprint(
    "activities", __name__, url_prefix="/api/v1", description="Activity files from watches"
)


@blp.before_request
def _larger_uploads():
    # An upload's body may be larger than a JSON body: its file, and the multipart's frame.
    if request.endpoint == "activities.MyActivities" and request.method == "POST":
        request.max_content_length = upload_limit(current_app.config)


@blp.route("/me/activities")
class MyActivities(MethodView):
    @blp.auth(CLIENT_ROLES)
    @blp.arguments(ActivityQuerySchema, location="query")
    @blp.paginate()
    @blp.response(200, ActivitySchema(many=True))
    def get(self, query, pagination_parameters):
        """List the caller's activities, newest first (client app)"""
        stmt = service.list_activities(current_user(), filters=query)
        return paginate(stmt, pagination_parameters)

    @blp.auth(CLIENT_ROLES)
    @blp.arguments(ActivityUploadSchema, location="files", unknown="raise")
    @blp.response(201, ActivitySchema, location=True)
    @blp.alt_response(
        200, schema=ActivitySchema, description="The same file was sent before: its activity."
    )
    @blp.errors(400, 413)
    def post(self, data):
        """Upload a FIT, GPX or TCX file from a watch (client app)

        Multipart, with the file as `file` (up to 10 MB; gzip-compressed is read too),
        and optionally `check_in_id` and `rpe` (1-10). The activity's sport, summary
        and per-kilometre splits come from the file: its `sport` from the file's own
        name for it (`other` when it names none Academy knows), its `kind` a `run` for
        the running sports and `cross_training` for the rest. A multisport file is
        one activity a leg (transitions left out): the answer is its first leg, and
        every leg's activity is in its `legs`.

        A run without `check_in_id` makes a check-in for its date (the client's
        calendar day), on that day's run session if there is one and no check-in has
        it yet; a check-in of the session that records no activity yet records this
        one; the check-in takes the run's distance, moving minutes and cadence where
        it has none. Cross-training fills no run block: it makes a check-in of its
        own, of its moving minutes and `rpe`, counted apart in the load. `rpe` is
        written on the check-in where it has none.

        The same file again, or the same activity from another file (the same sport,
        started within 60 s of it, as far within 3 %), answers 200 with the activity
        kept. More than Academy reads is 413: over 10 MB, unpacking past 32 MB (a FIT
        file past 10 MB), more than 200,000 points (or 500,000 FIT messages, 1,000 laps
        or segments, 50 legs, 1.5 million XML elements), or more than 10 s to read. A
        broken, unsupported or hostile file (XML with a DTD, nested deeper than 32, a
        zip archive, gzip inside gzip, a watch whose clock was never set and a file
        with no date and time to read it by, no two timed points) is 422, as is a
        track no activity of its sport can have: longer than 48 hours, further than
        500 km, a distance running backwards, more than 5 % of its points further
        from the one before than its sport's top speed reaches (fewer are dropped as
        a satellite's glitches), or faster on average than anyone goes in its sport.
        """
        activity, created = service.upload(
            current_user(), data["file"], data.get("check_in_id"), data.get("rpe")
        )
        if not created:
            return activity, 200
        return activity, 201, location("activities.MyActivityById", activity_id=activity.id)


@blp.route("/me/activities/<int:activity_id>")
class MyActivityById(MethodView):
    @blp.auth(CLIENT_ROLES)
    @blp.response(200, ActivitySchema)
    @blp.errors(404)
    def get(self, activity_id):
        """One of the caller's activities (client app)"""
        return service.get_activity(current_user(), activity_id)

    @blp.auth(CLIENT_ROLES)
    @blp.response(204)
    @blp.errors(404)
    def delete(self, activity_id):
        """Delete an activity and its file; the check-in it made stays (client app)"""
        service.delete_activity(current_user(), activity_id)


@blp.route("/clients/<int:client_id>/activities")
class ClientActivities(MethodView):
    @blp.auth(COACH_ROLES)
    @blp.arguments(ActivityQuerySchema, location="query")
    @blp.paginate()
    @blp.response(200, ActivitySchema(many=True))
    @blp.errors(404)
    def get(self, query, client_id, pagination_parameters):
        """List a client's activities, newest first"""
        stmt = service.list_activities(current_user(), client_id, query)
        return paginate(stmt, pagination_parameters)


@blp.route("/activities/<int:activity_id>")
class ActivityById(MethodView):
    @blp.auth(COACH_ROLES)
    @blp.response(200, ActivitySchema)
    @blp.errors(404)
    def get(self, activity_id):
        """One activity of a client of the academy"""
        return service.get_activity(current_user(), activity_id)
