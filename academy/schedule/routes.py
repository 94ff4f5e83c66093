"""The client app's schedule: its assignments with every session dated, today's
sessions, and the days ahead."""

from flask.views import MethodView

from academy.common.auth import CLIENT_ROLES, current_user
from academy.common.blueprint import Blueprint
from academy.common.pagination import paginate, paginate_list
from academy.programs.schemas import AssignmentSchema
from academy.schedule import service
from academy.schedule.schemas import (
    ClientAssignmentSchema,
    MyAssignmentsQuerySchema,
    ScheduleEntrySchema,
    ScheduleQuerySchema,
    TodayQuerySchema,
    TodaySchema,
)

blp = Blueprint("schedule", __name__, url_prefix="/api/v1", description="The client app's schedule")


@blp.route("/me/assignments")
class MyAssignments(MethodView):
    @blp.auth(CLIENT_ROLES)
    @blp.conditional()
    @blp.arguments(MyAssignmentsQuerySchema, location="query")
    @blp.paginate()
    @blp.response(200, AssignmentSchema(many=True), etag=True)
    def get(self, query, pagination_parameters):
        """List the caller's assignments (client app)

        `updated_since` keeps those whose assignment or program changed since the app's
        last sync.
        """
        stmt = service.my_assignments(current_user(), **query)
        return paginate(stmt, pagination_parameters)


@blp.route("/me/assignments/<int:assignment_id>")
class MyAssignmentById(MethodView):
    @blp.auth(CLIENT_ROLES)
    @blp.conditional()
    @blp.response(200, ClientAssignmentSchema, etag=True)
    @blp.errors(404)
    def get(self, assignment_id):
        """Read one of the caller's assignments with every session dated (client app)

        Each session's `status` is `done` (checked in as completed), `today`,
        `missed` (past, not done) or `upcoming`, by the client's timezone.
        """
        return service.assignment_view(current_user(), assignment_id)


@blp.route("/me/today")
class MyToday(MethodView):
    @blp.auth(CLIENT_ROLES)
    @blp.conditional()
    @blp.arguments(TodayQuerySchema, location="query")
    @blp.response(200, TodaySchema, etag=True)
    def get(self, query):
        """The sessions due today, with each exercise's cues and video (client app)

        "Today" is the calendar day in the client's timezone unless `date` is given.
        Only active assignments count.
        """
        return service.today_view(current_user(), query.get("date"))


@blp.route("/me/schedule")
class MySchedule(MethodView):
    @blp.auth(CLIENT_ROLES)
    @blp.conditional()
    @blp.arguments(ScheduleQuerySchema, location="query")
    @blp.paginate()
    @blp.response(200, ScheduleEntrySchema(many=True), etag=True)
    def get(self, query, pagination_parameters):
        """The caller's sessions between two dates (client app)

        Active and paused assignments; `from` defaults to today, `to` to six days later.
        """
        entries = service.schedule_view(current_user(), query.get("from_"), query.get("to"))
        return paginate_list(entries, pagination_parameters)
