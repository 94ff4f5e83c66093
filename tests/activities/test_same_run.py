"""One run is one activity and counted once: the same run from another file answers the
activity kept, and a second run on a day whose run session is already recorded is a
check-in of its own, never refused."""

from datetime import timedelta

import pytest

from academy.activities.models import Activity
from academy.activities.samples import SteadyRun, gpx, tcx
from academy.checkins.models import CheckIn
from academy.extensions import db
from tests.activities import fitfile
from tests.activities.conftest import file_bytes, upload
from tests.activities.make_files import FIVE_K, TEN_K
from tests.conftest import count_rows
from tests.programs.test_routes import assigned, created
from tests.programs.test_runs import running_body


def load_km(http, actor) -> float:
    body = http.get(
        "/api/v1/me/load?from=2026-03-01&to=2026-03-11", headers=actor.headers
    ).get_json()
    return sum(day["distance_km"] for day in body["days"])


class TestTheSameRunFromAnotherFile:
    @pytest.mark.parametrize(
        ("first", "second"),
        [("five-k.gpx", "five-k.tcx"), ("five-k.tcx", "five-k.gpx")],
    )
    def test_it_is_200_with_the_activity_kept_and_nothing_is_counted_twice(
        self, http, client_user, stored, first, second
    ):
        kept = upload(http, client_user, file_bytes(first), first)

        again = upload(http, client_user, file_bytes(second), second)

        assert (kept.status_code, again.status_code) == (201, 200)
        assert again.get_json() == kept.get_json()
        assert count_rows(Activity) == count_rows(CheckIn) == 1
        assert len(stored()) == 1
        assert load_km(http, client_user) == 5.0

    def test_a_fit_of_the_same_run_is_the_same_activity(self, http, client_user):
        kept = upload(http, client_user, fitfile.steady(TEN_K), "a.fit").get_json()
        # The same run, 30 s later by another device's clock, 2 % further, as GPX.
        other = SteadyRun(TEN_K.start + timedelta(seconds=30), 3300, 323.4, every=10)

        again = upload(http, client_user, gpx(other), "b.gpx")

        assert again.status_code == 200
        assert again.get_json()["id"] == kept["id"]

    @pytest.mark.parametrize(
        ("late", "pace"),
        [(61, 300), (0, 290)],  # started 61 s later; 3.4 % further
        ids=["a minute later", "further"],
    )
    def test_another_start_or_distance_is_another_run(self, http, client_user, late, pace):
        upload(http, client_user, file_bytes("five-k.tcx"), "a.tcx")
        other = SteadyRun(FIVE_K.start + timedelta(seconds=late), 1500, pace, every=5)

        response = upload(http, client_user, tcx(other), "b.tcx")

        assert response.status_code == 201
        assert count_rows(Activity) == count_rows(CheckIn) == 2

    def test_another_clients_run_is_theirs(self, http, client_user, other_client_user):
        upload(http, client_user, file_bytes("five-k.gpx"), "a.gpx")

        response = upload(http, other_client_user, file_bytes("five-k.tcx"), "a.tcx")

        assert response.status_code == 201


class TestSeveralRunsOnARunSessionsDay:
    @pytest.fixture
    def session_day(self, http, coach, client_user, ex):
        """Intervals due on Wednesday 11 March, the ten-k's day."""
        template = created(http, coach, running_body(ex))
        return assigned(http, coach, client_user.id, template["id"])

    def test_a_second_run_is_one_more_check_in_and_both_count(self, http, client_user, session_day):
        first = upload(http, client_user, file_bytes("ten-k.fit")).get_json()
        evening = SteadyRun(TEN_K.start + timedelta(hours=3), 1500, 300, every=5)

        second = upload(http, client_user, tcx(evening), "evening.tcx")

        assert second.status_code == 201
        on_session = db.session.get(CheckIn, first["check_in_id"])
        extra = db.session.get(CheckIn, second.get_json()["check_in_id"])
        assert on_session.assignment_id == session_day["id"]
        assert (extra.date.isoformat(), extra.assignment_id, extra.session_id) == (
            "2026-03-11",
            None,
            None,
        )
        assert (on_session.run_distance_km, extra.run_distance_km) == (10.0, 5.0)
        assert load_km(http, client_user) == 15.0

    def test_a_session_checked_in_by_hand_takes_the_first_file_only(
        self, http, client_user, session_day
    ):
        [session] = http.get("/api/v1/me/today", headers=client_user.headers).get_json()["sessions"]
        by_hand = http.post(
            "/api/v1/me/check-ins",
            json={"date": "2026-03-11", "assignment_id": session_day["id"],
                  "session_id": session["id"], "rpe": 7},
            headers=client_user.headers,
        ).get_json()  # fmt: skip
        evening = SteadyRun(TEN_K.start + timedelta(hours=3), 1500, 300, every=5)

        first = upload(http, client_user, file_bytes("ten-k.fit")).get_json()
        second = upload(http, client_user, tcx(evening), "evening.tcx").get_json()

        assert first["check_in_id"] == by_hand["id"]
        assert second["check_in_id"] not in (None, by_hand["id"])
        assert count_rows(CheckIn) == 2
