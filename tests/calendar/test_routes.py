"""The calendar feed: a secret .ics address, read back with the icalendar parser."""

from datetime import date

import sqlalchemy as sa
from icalendar import Calendar

from academy.calendar.models import CalendarFeed
from academy.extensions import db
from tests.conftest import PASSWORD, count_rows, problem_of
from tests.programs.test_routes import NOW, assigned, created, four_day_body
from tests.programs.test_runs import INTERVALS_METRES, running_body


def feed_url(http, client_user) -> str:
    response = http.post("/api/v1/me/calendar-feed", headers=client_user.headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.headers["Location"] == response.get_json()["url"]
    return response.get_json()["url"]


def events(http, url) -> list:
    response = http.get(url.removeprefix("http://localhost"))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/calendar"
    return Calendar.from_ical(response.data).walk("VEVENT")


class TestCalendarFeed:
    def test_it_has_one_all_day_event_per_session_from_4_weeks_back_to_12_ahead(
        self, http, coach, client_user, ex, freeze_now
    ):
        freeze_now(NOW)  # Wednesday 11 March 2026
        runs = assigned(http, coach, client_user.id, created(http, coach, running_body(ex))["id"])
        # Sessions on 5, 6, 7 and 12 January: more than 4 weeks back, so left out.
        assigned(http, coach, client_user.id, created(http, coach, four_day_body(ex))["id"],
                 "2026-01-05")  # fmt: skip
        # From 1 June: sessions on 1, 2, 3 and 8 June, the first three within 12 weeks
        # (to 3 June).
        late = assigned(
            http, coach, client_user.id, created(http, coach, four_day_body(ex))["id"],
            "2026-06-01",
        )  # fmt: skip

        found = events(http, feed_url(http, client_user))

        assert [(e.decoded("dtstart"), str(e["summary"])) for e in found] == [
            (date(2026, 3, 11), "Intervals"),
            (date(2026, 3, 13), "Easy"),
            (date(2026, 6, 1), "Monday"),
            (date(2026, 6, 2), "Tuesday"),
            (date(2026, 6, 3), "Wednesday"),
        ]
        first = found[0]
        assert first.decoded("dtend") == date(2026, 3, 12)
        assert str(first["uid"]) == f"assignment-{runs['id']}-week-1-day-3@academy"
        assert f"Run: {INTERVALS_METRES / 1000:.1f} km planned." in str(first["description"])
        assert str(found[2]["uid"]) == f"assignment-{late['id']}-week-1-day-1@academy"

    def test_the_uids_stay_the_same_from_one_read_to_the_next(
        self, http, coach, client_user, ex, freeze_now
    ):
        freeze_now(NOW)
        assigned(http, coach, client_user.id, created(http, coach, running_body(ex))["id"])
        url = feed_url(http, client_user)

        first, again = events(http, url), events(http, url)

        assert [str(e["uid"]) for e in first] == [str(e["uid"]) for e in again]

    def test_the_secret_is_stored_hashed(self, http, client_user):
        url = feed_url(http, client_user)
        token = url.rsplit("/", 1)[1].removesuffix(".ics")

        stored = db.session.scalar(sa.select(CalendarFeed.token_hash))

        assert stored != token and len(stored) == 64 and token not in stored

    def test_posting_again_rotates_the_address(self, http, client_user):
        old = feed_url(http, client_user)

        new = feed_url(http, client_user)

        assert new != old
        problem_of(http.get(old.removeprefix("http://localhost")), 404)
        assert http.get(new.removeprefix("http://localhost")).status_code == 200
        assert count_rows(CalendarFeed) == 1

    def test_deleting_revokes_it(self, http, client_user):
        url = feed_url(http, client_user)

        response = http.delete("/api/v1/me/calendar-feed", headers=client_user.headers)

        assert response.status_code == 204
        problem_of(http.get(url.removeprefix("http://localhost")), 404)
        assert count_rows(CalendarFeed) == 0

    def test_an_unknown_address_is_404(self, http):
        problem_of(http.get("/api/v1/calendar/not-a-real-secret.ics"), 404)

    def test_erasing_the_client_closes_it(self, http, client_user):
        url = feed_url(http, client_user)

        http.delete("/api/v1/me", json={"password": PASSWORD}, headers=client_user.headers)

        problem_of(http.get(url.removeprefix("http://localhost")), 404)

    def test_a_coach_has_no_calendar_feed(self, http, coach):
        problem_of(http.post("/api/v1/me/calendar-feed", headers=coach.headers), 403)


class TestCalendarFeedCaching:
    """A calendar app polls the address: an ETag over the calendar's bytes, 304 while
    nothing changed, and a short private cache (five minutes)."""

    def test_it_answers_an_etag_and_a_short_private_cache(
        self, http, coach, client_user, ex, freeze_now
    ):
        freeze_now(NOW)
        assigned(http, coach, client_user.id, created(http, coach, running_body(ex))["id"])
        url = feed_url(http, client_user).removeprefix("http://localhost")

        first, again = http.get(url), http.get(url)

        assert first.headers["Cache-Control"] == "private, max-age=300"
        assert first.headers["ETag"].startswith('"') and len(first.headers["ETag"]) > 10
        assert again.headers["ETag"] == first.headers["ETag"]
        assert again.data == first.data  # the same day, the same bytes

    def test_a_matching_if_none_match_is_304_with_no_body(
        self, http, coach, client_user, ex, freeze_now
    ):
        freeze_now(NOW)
        assigned(http, coach, client_user.id, created(http, coach, running_body(ex))["id"])
        url = feed_url(http, client_user).removeprefix("http://localhost")
        etag = http.get(url).headers["ETag"]

        response = http.get(url, headers={"If-None-Match": f'"other", {etag}'})

        assert response.status_code == 304
        assert response.data == b"" and "Content-Type" not in response.headers
        assert response.headers["ETag"] == etag
        assert response.headers["Cache-Control"] == "private, max-age=300"

    def test_a_new_session_or_a_new_day_changes_the_etag(
        self, http, coach, client_user, ex, freeze_now
    ):
        freeze_now(NOW)
        url = feed_url(http, client_user).removeprefix("http://localhost")
        empty = http.get(url).headers["ETag"]
        assigned(http, coach, client_user.id, created(http, coach, running_body(ex))["id"])

        changed = http.get(url, headers={"If-None-Match": empty})
        freeze_now("2026-03-12T09:00:00Z")
        tomorrow = http.get(url, headers={"If-None-Match": changed.headers["ETag"]})

        assert changed.status_code == 200 and changed.headers["ETag"] != empty
        assert tomorrow.status_code == 200
        assert tomorrow.headers["ETag"] not in (empty, changed.headers["ETag"])

    def test_an_unknown_address_is_not_stored(self, http):
        response = http.get("/api/v1/calendar/not-a-real-secret.ics")

        assert response.status_code == 404
        assert response.headers["Cache-Control"] == "no-store"
