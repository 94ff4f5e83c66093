"""A client's progress as the coach reads it: adherence, trends, training load and the
dashboard."""

from flask.views import MethodView

from academy.checkins import load
from academy.checkins.schemas import DateRangeSchema
from academy.common.auth import CLIENT_ROLES, COACH_ROLES, current_user
from academy.common.blueprint import Blueprint
from academy.progress import service
from academy.progress.schemas import (
    AdherenceSchema,
    AttentionSchema,
    LoadSchema,
    TrendQuerySchema,
    TrendsSchema,
)

blp = Blueprint(
    "progress",
    __name__,
    url_prefix="/api/v1",
    description="Adherence, trends, training load and the dashboard",
)


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
        return service.adherence(current_user(), client_id, query.get("from_"), query.get("to"))


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
        return service.trends(
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
        return service.dashboard(current_user(), pagination_parameters)
