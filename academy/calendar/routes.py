"""The client's calendar feed: a secret .ics address (rotatable and revocable)."""

from flask import Response, url_for
from flask.views import MethodView

from academy.calendar import service
from academy.calendar.schemas import CalendarFeedSchema
from academy.common.auth import CLIENT_ROLES, current_user
from academy.common.blueprint import CONTENT_ETAG_HEADER, Blueprint, cache_control_header
from academy.common.urls import public_url

blp = Blueprint("calendar", __name__, url_prefix="/api/v1", description="Calendar feed")


@blp.route("/me/calendar-feed")
class MyCalendarFeed(MethodView):
    @blp.auth(CLIENT_ROLES)
    @blp.response(201, CalendarFeedSchema, location=True)
    def post(self):
        """Make (or rotate) the secret address of the caller's training calendar

        Subscribe to `url` in a phone's calendar app. Anyone with the address can read
        the calendar, so it is shown once: posting again makes a new address and the
        old one stops working.
        """
        url = public_url(url_for("calendar.CalendarFile", token=service.issue(current_user())))
        return {"url": url}, 201, {"Location": url}

    @blp.auth(CLIENT_ROLES)
    @blp.response(204)
    def delete(self):
        """Revoke the calendar address: it stops working"""
        service.revoke(current_user())


# A calendar app may reuse its copy for five minutes, then asks again with the ETag
# (304 while nothing changed): a coach's change shows within minutes, and polling costs
# little. ``private``: one client's schedule, which no shared cache may keep, so a
# revoked or rotated address stops working for everyone but the subscriber's own copy.
FEED_CACHE = "private, max-age=300"
FEED_CACHING = (
    "one client's schedule: the calendar app may reuse it for five minutes, then asks "
    "with `If-None-Match` (304 while nothing changed); no shared cache may keep it."
)


@blp.route("/calendar/<string:token>.ics")
class CalendarFile(MethodView):
    @blp.conditional(FEED_CACHE, FEED_CACHING)
    @blp.doc(
        responses={
            "200": {
                "description": "The calendar (iCalendar, RFC 5545).",
                "content": {"text/calendar": {}},
                "headers": {
                    "ETag": CONTENT_ETAG_HEADER,
                    "Cache-Control": cache_control_header(FEED_CACHE, FEED_CACHING),
                },
            }
        },
    )
    @blp.errors(404)
    def get(self, token):
        """The training calendar behind a secret address (no token: the address is it)

        One all-day event per scheduled session from 4 weeks back to 12 weeks ahead,
        each with a UID that stays the same for the session. The `ETag` is a digest of
        the calendar: send it in `If-None-Match` and a 304 with no body says the copy
        you hold is current.
        """
        return Response(service.calendar(token), mimetype="text/calendar")
