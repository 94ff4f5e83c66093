"""What the coach reads of a client's progress: adherence, left/right trends and the dashboard.

Every expected number below is worked out by hand from the dates in the comments;
"today" is Wednesday 2026-03-11 unless a test moves the clock.
"""

import json
from datetime import date

import pytest

from academy.clients.models import Client
from academy.extensions import db
from tests.checkins.conftest import (
    assign,
    check_in_for,
    create_program,
    days,
    iso,
    post_check_in,
    sessions_of,
    set_status,
)
from tests.conftest import make_user, measured, problem_of, sign_in


def plan(weeks: int, slots, name: str = "Plan") -> dict:
    """A program with one small session in each (week, day) slot."""
    return {
        "name": name,
        "weeks": weeks,
        "sessions": [
            {"week": w, "day": d, "title": f"W{w}D{d}", "items": [{"exercise": "tucks", "sets": 2}]}
            for w, d in slots
        ],
    }


def check_in_slots(http, client, assignment_id: int, slots, **fields) -> None:
    """A check-in of each slot's session, dated on the session's day."""
    sessions = sessions_of(http, client, assignment_id)
    for slot in slots:
        response = post_check_in(
            http, client, check_in_for(sessions[slot], assignment_id, **fields)
        )
        assert response.status_code == 201, response.get_json()


def new_client(academy, name: str, timezone: str = "Europe/London"):
    email = name.lower().replace(" ", ".") + "@clients.test"
    return sign_in(make_user(academy, "client", name, email, timezone=timezone))


def window(days: int, scheduled: int, completed: int, rate) -> dict:
    return {"days": days, "scheduled": scheduled, "completed": completed, "rate": rate}


def week(monday: str, scheduled: int, completed: int, rate) -> dict:
    return {"week_start": monday, "scheduled": scheduled, "completed": completed, "rate": rate}


def adherence(http, coach, client_id: int, query: str = ""):
    return http.get(f"/api/v1/clients/{client_id}/adherence{query}", headers=coach.headers)


# Sun 1 Mar, Tue 3, Sun 8, Mon 9, Tue 10, Wed 11 (today), Thu 12 (to come).
AROUND_MONDAYS = [(1, 1), (1, 3), (2, 1), (2, 2), (2, 3), (2, 4), (2, 5)]


@pytest.fixture
def around_mondays(http, coach, client_user, exercises) -> dict:
    """Sessions either side of two Mondays: 1 and 8 Mar done, 3 Mar checked in but not
    completed, 9 and 10 Mar done, today's not yet; and a run on its own today."""
    program = create_program(http, coach, exercises, plan(2, AROUND_MONDAYS))
    assignment = assign(http, coach, client_user.id, program["id"], start=date(2026, 3, 1))
    check_in_slots(http, client_user, assignment["id"], [(1, 1), (2, 1), (2, 2), (2, 3)])
    check_in_slots(http, client_user, assignment["id"], [(1, 3)], completed=False)
    post_check_in(http, client_user, {"date": "2026-03-11", "run": {"distance_km": 5}})
    return assignment


class TestAdherence:
    def test_it_counts_per_week_from_monday(self, http, coach, client_user, around_mondays):
        response = adherence(http, coach, client_user.id)

        assert response.status_code == 200
        assert response.get_json() == {
            "client_id": client_user.id,
            "today": "2026-03-11",
            "from": "2025-12-12",  # 90 days up to today
            "to": "2026-03-11",
            # 1 ✓, 3 ✗, 8 ✓, 9 ✓, 10 ✓; today's session does not count until done.
            "scheduled": 5,
            "completed": 4,
            "rate": 0.8,
            "weeks": [
                week("2026-02-23", 1, 1, 1.0),  # Sunday 1 Mar closes the week of 23 Feb
                week("2026-03-02", 2, 1, 0.5),  # Tue 3 ✗, Sun 8 ✓
                week("2026-03-09", 2, 2, 1.0),  # Mon 9 ✓, Tue 10 ✓
            ],
            "current_streak": 3,  # 10, 9, 8, then 3 was not completed
            "compliance": {
                "7d": window(7, 3, 3, 1.0),  # 5-11 Mar: 8, 9, 10
                "30d": window(30, 5, 4, 0.8),
                "90d": window(90, 5, 4, 0.8),
            },
            "last_check_in": "2026-03-11",  # the run, which names no session
        }

    def test_a_range_limits_the_totals_but_not_the_streak_or_compliance(
        self, http, coach, client_user, around_mondays
    ):
        response = adherence(http, coach, client_user.id, "?from=2026-03-02&to=2026-03-08")

        answer = response.get_json()
        assert response.status_code == 200
        assert (answer["from"], answer["to"]) == ("2026-03-02", "2026-03-08")
        assert (answer["scheduled"], answer["completed"], answer["rate"]) == (2, 1, 0.5)
        assert answer["weeks"] == [week("2026-03-02", 2, 1, 0.5)]
        assert answer["current_streak"] == 3
        assert answer["compliance"]["7d"] == window(7, 3, 3, 1.0)

    def test_a_session_done_today_counts_at_once(self, http, coach, client_user, around_mondays):
        check_in_slots(http, client_user, around_mondays["id"], [(2, 4)])

        answer = adherence(http, coach, client_user.id).get_json()

        assert (answer["scheduled"], answer["completed"], answer["rate"]) == (6, 5, 0.8333)
        assert answer["weeks"][-1] == week("2026-03-09", 3, 3, 1.0)
        assert answer["current_streak"] == 4
        assert answer["compliance"]["7d"] == window(7, 4, 4, 1.0)

    def test_a_session_not_done_is_missed_from_the_next_day(
        self, http, coach, client_user, around_mondays, clock
    ):
        clock("2026-03-12T12:00:00Z")

        answer = adherence(http, coach, client_user.id).get_json()

        assert (answer["today"], answer["to"], answer["from"]) == (
            "2026-03-12",
            "2026-03-12",
            "2025-12-13",
        )
        assert (answer["scheduled"], answer["completed"], answer["rate"]) == (6, 4, 0.6667)
        assert answer["weeks"][-1] == week("2026-03-09", 3, 2, 0.6667)
        assert answer["current_streak"] == 0
        assert answer["compliance"] == {
            "7d": window(7, 4, 3, 0.75),  # 6-12 Mar: 8 ✓, 9 ✓, 10 ✓, 11 ✗
            "30d": window(30, 6, 4, 0.6667),
            "90d": window(90, 6, 4, 0.6667),
        }
        assert answer["last_check_in"] == "2026-03-11"

    def test_paused_and_cancelled_assignments_do_not_count(
        self, http, coach, client_user, exercises, around_mondays
    ):
        before = adherence(http, coach, client_user.id).get_json()
        other = create_program(http, coach, exercises, plan(2, AROUND_MONDAYS, "Other"))
        paused = assign(http, coach, client_user.id, other["id"], start=date(2026, 3, 1))
        set_status(http, coach, paused["id"], "paused")
        cancelled = assign(http, coach, client_user.id, other["id"], start=date(2026, 3, 1))
        set_status(http, coach, cancelled["id"], "cancelled")

        with_others = adherence(http, coach, client_user.id).get_json()
        set_status(http, coach, around_mondays["id"], "paused")
        all_paused = adherence(http, coach, client_user.id).get_json()

        assert with_others == before
        assert {key: all_paused[key] for key in ("scheduled", "completed", "rate", "weeks")} == {
            "scheduled": 0,
            "completed": 0,
            "rate": None,
            "weeks": [],
        }
        assert all_paused["current_streak"] == 0
        assert all_paused["compliance"]["7d"] == window(7, 0, 0, None)
        assert all_paused["last_check_in"] == "2026-03-11"

    def test_a_completed_assignment_still_counts(self, http, coach, client_user, around_mondays):
        set_status(http, coach, around_mondays["id"], "completed")

        answer = adherence(http, coach, client_user.id).get_json()

        assert (answer["scheduled"], answer["completed"], answer["current_streak"]) == (5, 4, 3)

    def test_the_clients_timezone_decides_what_today_is(self, http, coach, academy, exercises):
        # 12:00 UTC on Wed 11 Mar: already Thu 12 on Kiritimati (UTC+14), still early
        # on Wed 11 in Pago Pago (UTC-11). Both have one session, on Wed 11.
        kiri = new_client(academy, "Kiri East", "Pacific/Kiritimati")
        sam = new_client(academy, "Sam West", "Pacific/Pago_Pago")
        program = create_program(http, coach, exercises, plan(1, [(1, 1)]))
        for client in (kiri, sam):
            assign(http, coach, client.id, program["id"], start=date(2026, 3, 11))

        east = adherence(http, coach, kiri.id).get_json()
        west = adherence(http, coach, sam.id).get_json()

        assert (east["today"], east["scheduled"], east["completed"], east["rate"]) == (
            "2026-03-12",
            1,
            0,
            0.0,
        )
        assert east["weeks"] == [week("2026-03-09", 1, 0, 0.0)]
        assert east["compliance"]["7d"] == window(7, 1, 0, 0.0)
        assert (west["today"], west["scheduled"], west["rate"], west["weeks"]) == (
            "2026-03-11",
            0,
            None,
            [],
        )
        assert west["compliance"]["7d"] == window(7, 0, 0, None)
        assert east["last_check_in"] is None and west["last_check_in"] is None

    def test_it_gives_7_30_and_90_day_compliance(self, http, coach, client_user, exercises):
        # Every Monday from 15 Dec to 9 Mar; all done but 9 Feb and 23 Feb.
        weeks = range(1, 14)
        program = create_program(http, coach, exercises, plan(13, [(w, 1) for w in weeks]))
        assignment = assign(http, coach, client_user.id, program["id"], start=date(2025, 12, 15))
        check_in_slots(
            http, client_user, assignment["id"], [(w, 1) for w in weeks if w not in (9, 11)]
        )

        answer = adherence(http, coach, client_user.id).get_json()

        assert answer["compliance"] == {
            "7d": window(7, 1, 1, 1.0),  # 9 Mar
            "30d": window(30, 4, 3, 0.75),  # 16 Feb ✓, 23 Feb ✗, 2 Mar ✓, 9 Mar ✓
            "90d": window(90, 13, 11, 0.8462),
        }
        assert (answer["scheduled"], answer["completed"], answer["rate"]) == (13, 11, 0.8462)
        assert len(answer["weeks"]) == 13
        assert answer["weeks"][8] == week("2026-02-09", 1, 0, 0.0)
        assert answer["current_streak"] == 2
        assert answer["last_check_in"] == "2026-03-09"

    def test_the_current_streak_does_not_depend_on_the_range_asked_for(
        self, http, coach, client_user, exercises
    ):
        # Every Monday from 1 Dec to 9 Mar, all done: 15 in a row, two of them more than
        # 90 days ago.
        weeks = range(1, 16)
        program = create_program(http, coach, exercises, plan(15, [(w, 1) for w in weeks]))
        assignment = assign(http, coach, client_user.id, program["id"], start=date(2025, 12, 1))
        check_in_slots(http, client_user, assignment["id"], [(w, 1) for w in weeks])

        default = adherence(http, coach, client_user.id).get_json()
        longer = adherence(http, coach, client_user.id, "?from=2025-11-01").get_json()
        recent = adherence(http, coach, client_user.id, "?from=2026-03-01").get_json()

        assert default["current_streak"] == longer["current_streak"] == 15
        assert recent["current_streak"] == 15
        assert (default["scheduled"], longer["scheduled"], recent["scheduled"]) == (13, 15, 2)

    def test_to_before_from_is_an_empty_range(self, http, coach, client_user):
        response = adherence(http, coach, client_user.id, "?from=2026-03-10&to=2026-03-01")

        body = response.get_json()
        assert response.status_code == 200
        assert (body["scheduled"], body["completed"], body["rate"], body["weeks"]) == (
            0,
            0,
            None,
            [],
        )

    @pytest.mark.parametrize(
        "query, path",
        [
            ("?from=1899-12-31", "query.from"),
            ("?colour=blue", "query.colour"),
            ("?to=someday", "query.to"),
        ],
    )
    def test_bad_queries_are_422(self, http, coach, client_user, query, path):
        response = adherence(http, coach, client_user.id, query)

        assert path in problem_of(response, 422)["errors"]

    def test_it_returns_404_for_another_academys_client(self, http, coach, other_academy_client):
        problem_of(adherence(http, coach, other_academy_client.id), 404)

    def test_a_client_gets_403(self, http, client_user):
        problem_of(adherence(http, client_user, client_user.id), 403)

    def test_it_needs_a_token(self, http, client_user):
        problem_of(http.get(f"/api/v1/clients/{client_user.id}/adherence"), 401)

    def test_it_takes_as_many_statements_for_much_history_as_for_little(
        self, http, coach, client_user, other_client_user, exercises
    ):
        little = create_program(http, coach, exercises, plan(1, [(1, 1)]))
        few = assign(http, coach, client_user.id, little["id"], start=date(2026, 3, 2))
        check_in_slots(http, client_user, few["id"], [(1, 1)])
        slots = [(w, d) for w in range(1, 11) for d in (1, 3, 5)]
        much = create_program(http, coach, exercises, plan(10, slots))
        for start in (date(2025, 12, 29), date(2026, 1, 5), date(2026, 1, 12)):
            many = assign(http, coach, other_client_user.id, much["id"], start=start)
            check_in_slots(http, other_client_user, many["id"], slots[:20])

        counts = []
        for client in (client_user, other_client_user):
            response, statements = measured(adherence, http, coach, client.id)
            assert response.status_code == 200
            counts.append(statements)

        print(f"adherence statements: little history {counts[0]}, much history {counts[1]}")
        assert counts[0] == counts[1]


def trends(http, coach, client_id: int, query: str = ""):
    return http.get(f"/api/v1/clients/{client_id}/trends{query}", headers=coach.headers)


RATING_FIELDS = ("region", "side", "tightness", "pain")


def rate(http, client, on: str, *ratings: tuple) -> None:
    """A check-in on ``on`` with ratings given as (region, side, tightness, pain)."""
    body = {"date": on, "ratings": [dict(zip(RATING_FIELDS, r, strict=True)) for r in ratings]}
    assert post_check_in(http, client, body).status_code == 201


def point(on: str, tightness, pain) -> dict:
    return {"date": on, "tightness": tightness, "pain": pain}


@pytest.fixture
def ratings(http, client_user) -> None:
    """Hip flexors rated left and right on several days, the calf on one."""
    rate(http, client_user, "2026-02-01", ("hip_flexors", "left", 9, 5))
    rate(
        http,
        client_user,
        "2026-03-02",
        ("hip_flexors", "left", 7, 2),
        ("hip_flexors", "right", 4, 1),
        ("calf", "both", 3, None),
    )
    rate(
        http,
        client_user,
        "2026-03-04",
        ("hip_flexors", "left", 6, 1),
        ("hip_flexors", "right", 4, 0),
    )
    rate(http, client_user, "2026-03-04", ("hip_flexors", "left", 5, None))  # a second check-in
    rate(http, client_user, "2026-03-09", ("hip_flexors", "left", 5, 0))
    rate(http, client_user, "2026-03-10", ("hip_flexors", "right", None, 3))


HIP_FLEXORS_IN_MARCH = {
    "region": "hip_flexors",
    "left": [
        point("2026-03-02", 7.0, 2.0),
        point("2026-03-04", 5.5, 1.0),  # the day's average; a missing pain is left out
        point("2026-03-09", 5.0, 0.0),
    ],
    "right": [
        point("2026-03-02", 4.0, 1.0),
        point("2026-03-04", 4.0, 0.0),
        point("2026-03-10", None, 3.0),
    ],
    "both": [],
    # Only the days both sides were rated.
    "difference": [point("2026-03-02", 3.0, 1.0), point("2026-03-04", 1.5, 1.0)],
}
CALF = {
    "region": "calf",
    "left": [],
    "right": [],
    "both": [point("2026-03-02", 3.0, None)],
    "difference": [],
}


class TestTrends:
    def test_it_gives_each_side_by_day_and_the_left_minus_right_difference(
        self, http, coach, client_user, ratings
    ):
        response = trends(
            http, coach, client_user.id, "?region=hip_flexors&from=2026-03-01&to=2026-03-11"
        )

        assert response.status_code == 200
        assert response.get_json() == {
            "client_id": client_user.id,
            "from": "2026-03-01",
            "to": "2026-03-11",
            "regions": [HIP_FLEXORS_IN_MARCH],
            "cadence": {"activities": [], "assessments": []},
        }

    def test_without_a_region_it_gives_every_rated_region_over_90_days(
        self, http, coach, client_user, ratings
    ):
        response = trends(http, coach, client_user.id)

        answer = response.get_json()
        assert (answer["from"], answer["to"]) == ("2025-12-12", "2026-03-11")
        assert [r["region"] for r in answer["regions"]] == ["calf", "hip_flexors"]
        assert answer["regions"][0] == CALF
        assert answer["regions"][1]["left"][0] == point("2026-02-01", 9.0, 5.0)
        assert answer["regions"][1]["left"][1:] == HIP_FLEXORS_IN_MARCH["left"]

    def test_it_takes_several_regions(self, http, coach, client_user, ratings):
        rate(http, client_user, "2026-03-05", ("foot", "left", 2, 2))

        response = trends(
            http, coach, client_user.id, "?region=calf&region=hip_flexors&from=2026-03-01"
        )

        assert response.get_json()["regions"] == [CALF, HIP_FLEXORS_IN_MARCH]

    def test_another_clients_ratings_stay_out(
        self, http, coach, client_user, other_client_user, ratings
    ):
        rate(http, other_client_user, "2026-03-02", ("hip_flexors", "left", 10, 10))

        response = trends(http, coach, client_user.id, "?region=hip_flexors&from=2026-03-01")

        assert response.get_json()["regions"] == [HIP_FLEXORS_IN_MARCH]

    def test_to_before_from_is_an_empty_range(self, http, coach, client_user):
        response = trends(http, coach, client_user.id, "?from=2026-03-10&to=2026-03-01")

        assert response.status_code == 200
        assert response.get_json()["regions"] == []

    @pytest.mark.parametrize(
        "query, path",
        [
            ("?region=elbow", "query.region[0]"),
            ("?to=2026-02-30", "query.to"),
        ],
    )
    def test_bad_queries_are_422(self, http, coach, client_user, query, path):
        response = trends(http, coach, client_user.id, query)

        assert path in problem_of(response, 422)["errors"]

    def test_it_returns_404_for_another_academys_client(self, http, coach, other_academy_client):
        problem_of(trends(http, coach, other_academy_client.id), 404)

    def test_a_client_gets_403(self, http, client_user):
        problem_of(trends(http, client_user, client_user.id), 403)

    def test_it_needs_a_token(self, http, client_user):
        problem_of(http.get(f"/api/v1/clients/{client_user.id}/trends"), 401)

    def test_it_takes_as_many_statements_for_many_ratings_as_for_few(
        self, http, coach, client_user, other_client_user
    ):
        rate(http, client_user, "2026-03-02", ("calf", "left", 2, 2))
        regions = ("calf", "hip_flexors", "foot", "glutes", "hamstrings")
        for n in range(30):
            many = [
                (region, side, n % 11, n % 7) for region in regions for side in ("left", "right")
            ]
            rate(http, other_client_user, iso(date(2026, 2, 9) + days(n)), *many)

        counts = []
        for client in (client_user, other_client_user):
            response, statements = measured(trends, http, coach, client.id)
            assert response.status_code == 200
            counts.append(statements)

        print(f"trends statements: few ratings {counts[0]}, many ratings {counts[1]}")
        assert counts[0] == counts[1]


# Tue 10, Wed 11, Fri 13 Feb; then Tuesdays and Fridays to Tue 10 Mar (Fri 13 Mar to come).
TWICE_A_WEEK = [(1, 1), (1, 2), (1, 4), *((w, d) for w in range(2, 6) for d in (1, 4))]


@pytest.fixture
def attention(http, coach, academy, exercises, other_academy, other_academy_coach) -> dict:
    """Clients of the academy in every situation the dashboard knows, and one elsewhere."""
    program = create_program(http, coach, exercises, plan(5, TWICE_A_WEEK))
    people = {}

    def client(name, slots_done=(), check_ins=()):
        person = people[name] = new_client(academy, name)
        if slots_done:
            assignment = assign(http, coach, person.id, program["id"], start=date(2026, 2, 10))
            check_in_slots(http, person, assignment["id"], slots_done)
        for on, *rating in check_ins:
            rate(http, person, on, *([tuple(rating)] if rating else []))
        return person

    # 30 days (10 Feb - 11 Mar): 10 sessions, 7 done = 70%; 7 days: 6 Mar ✓, 10 Mar ✗ = 50%.
    client("Ann Drop", slots_done=[(1, 1), (1, 2), (1, 4), (2, 1), (2, 4), (3, 1), (4, 4)])
    # 40% over 30 days, 0% over 7, and nothing since 17 Feb.
    client("Gus Gone", slots_done=[(1, 1), (1, 2), (1, 4), (2, 1)])
    # Pain 7 on 5 Mar (the 7 days are 5-11 Mar); the 8 on 3 Mar is older.
    client(
        "Ben Pain",
        check_ins=[("2026-03-03", "knee", "left", 2, 8), ("2026-03-05", "knee", "left", 2, 7)],
    )
    # Pain 6 this week, 9 on 4 Mar: neither counts.
    client(
        "Cal Calm",
        check_ins=[("2026-03-04", "calf", "left", 2, 9), ("2026-03-10", "calf", "left", 2, 6)],
    )
    client("Dee Quiet", check_ins=[("2026-03-04",)])  # 7 days ago
    client("Eve Recent", check_ins=[("2026-03-05",)])  # 6 days ago
    client("Fay New")
    archived = client("Abe Archived")
    db.session.get(Client, archived.id).status = "archived"
    db.session.commit()
    people["Ola Other"] = new_client(other_academy, "Ola Other")
    rate(http, people["Ola Other"], "2026-03-10", ("knee", "right", 9, 10))
    return people


class TestDashboard:
    def test_it_lists_the_clients_who_need_attention_with_every_reason(
        self, http, coach, attention
    ):
        response = http.get("/api/v1/dashboard", headers=coach.headers)

        assert response.status_code == 200
        ids = {name: person.id for name, person in attention.items()}
        assert response.get_json() == [
            {
                "client_id": ids["Ann Drop"],
                "name": "Ann Drop",
                "reasons": [
                    {
                        "code": "compliance_dropping",
                        "detail": "7-day compliance 50% against 70% over 30 days.",
                        "count": None,
                    }
                ],
                "unread_messages": 0,
            },
            {
                "client_id": ids["Ben Pain"],
                "name": "Ben Pain",
                "reasons": [
                    {
                        "code": "pain_reported",
                        "detail": "Pain of 7/10 reported in the last 7 days.",
                        "count": None,
                    }
                ],
                "unread_messages": 0,
            },
            {
                "client_id": ids["Dee Quiet"],
                "name": "Dee Quiet",
                "reasons": [
                    {
                        "code": "no_recent_check_in",
                        "detail": "No check-in since 2026-03-04.",
                        "count": None,
                    }
                ],
                "unread_messages": 0,
            },
            {
                "client_id": ids["Fay New"],
                "name": "Fay New",
                "reasons": [
                    {"code": "no_recent_check_in", "detail": "No check-in yet.", "count": None}
                ],
                "unread_messages": 0,
            },
            {
                "client_id": ids["Gus Gone"],
                "name": "Gus Gone",
                "reasons": [
                    {
                        "code": "compliance_dropping",
                        "detail": "7-day compliance 0% against 40% over 30 days.",
                        "count": None,
                    },
                    {
                        "code": "no_recent_check_in",
                        "detail": "No check-in since 2026-02-17.",
                        "count": None,
                    },
                ],
                "unread_messages": 0,
            },
        ]

    def test_every_rule_reads_the_clients_calendar_not_the_coachs(
        self, http, coach, academy, exercises
    ):
        # At noon UTC on Wed 11 Mar it is already 02:00 on Thu 12 Mar in Kiritimati.
        ahead = new_client(academy, "Kit Ahead", timezone="Pacific/Kiritimati")
        behind = new_client(academy, "Pat Behind", timezone="Pacific/Pago_Pago")
        program = create_program(http, coach, exercises, plan(5, TWICE_A_WEEK))
        for person in (ahead, behind):
            assignment = assign(http, coach, person.id, program["id"], start=date(2026, 2, 10))
            # Every session done up to Fri 6 Mar; the one on Tue 10 Mar missed.
            check_in_slots(http, person, assignment["id"], TWICE_A_WEEK[:-2])

        flagged = {
            entry["name"]: [reason["code"] for reason in entry["reasons"]]
            for entry in http.get("/api/v1/dashboard", headers=coach.headers).get_json()
        }

        # Kit's 7 days (6-12 Mar) hold 6 Mar done and 10 Mar missed, and their last
        # check-in (6 Mar) is 6 days before their today. Pat's 7 days (5-11 Mar: it is
        # 01:00 on 11 Mar there) hold the same two sessions. Adherence, in each client's
        # own calendar, gives the dashboard's figures.
        assert flagged == {
            "Kit Ahead": ["compliance_dropping"],
            "Pat Behind": ["compliance_dropping"],
        }
        for person, today in ((ahead, "2026-03-12"), (behind, "2026-03-11")):
            answer = adherence(http, coach, person.id).get_json()
            assert answer["today"] == today
            assert answer["compliance"]["7d"] == window(7, 2, 1, 0.5)

    def test_the_quiet_rule_counts_the_days_of_the_clients_calendar(self, http, coach, academy):
        # Last seen Thu 5 Mar: 7 days before Kiritimati's today (Thu 12 Mar), 6 before
        # the coach's and Pago Pago's (Wed 11 Mar).
        for name, timezone in (
            ("Kit Ahead", "Pacific/Kiritimati"),
            ("Pat Behind", "Pacific/Pago_Pago"),
        ):
            rate(http, new_client(academy, name, timezone=timezone), "2026-03-05")

        flagged = [
            e["name"] for e in http.get("/api/v1/dashboard", headers=coach.headers).get_json()
        ]

        assert flagged == ["Kit Ahead"]

    def test_the_clients_list_shows_the_same_compliance_and_sorts_by_it(
        self, http, coach, attention
    ):
        listed = http.get("/api/v1/clients?sort=compliance_7d", headers=coach.headers).get_json()

        figures = {c["name"]: (c["compliance_7d"], c["last_check_in"]) for c in listed}
        assert figures["Ann Drop"][0] == 0.5
        assert figures["Gus Gone"] == (0.0, "2026-02-17")
        rated = [c["compliance_7d"] for c in listed if c["compliance_7d"] is not None]
        assert rated == sorted(rated) and listed[0]["name"] == "Gus Gone"

    def test_adherence_agrees_with_the_dashboard(self, http, coach, attention):
        answer = adherence(http, coach, attention["Ann Drop"].id).get_json()

        assert answer["compliance"]["7d"] == window(7, 2, 1, 0.5)
        assert answer["compliance"]["30d"] == window(30, 10, 7, 0.7)

    def test_another_academys_clients_never_appear(
        self, http, coach, other_academy_coach, attention
    ):
        ours = http.get("/api/v1/dashboard?page_size=100", headers=coach.headers).get_json()
        theirs = http.get("/api/v1/dashboard", headers=other_academy_coach.headers).get_json()

        assert "Ola Other" not in {entry["name"] for entry in ours}
        assert theirs == [
            {
                "client_id": attention["Ola Other"].id,
                "name": "Ola Other",
                "reasons": [
                    {
                        "code": "pain_reported",
                        "detail": "Pain of 10/10 reported in the last 7 days.",
                        "count": None,
                    }
                ],
                "unread_messages": 0,
            }
        ]

    def test_it_pages_with_the_pagination_header(self, http, coach, attention):
        first = http.get("/api/v1/dashboard?page_size=2", headers=coach.headers)
        last = http.get("/api/v1/dashboard?page_size=2&page=3", headers=coach.headers)

        assert [e["name"] for e in first.get_json()] == ["Ann Drop", "Ben Pain"]
        assert [e["name"] for e in last.get_json()] == ["Gus Gone"]
        pagination = json.loads(first.headers["X-Pagination"])
        assert pagination == {
            "total": 5,
            "total_pages": 3,
            "first_page": 1,
            "last_page": 3,
            "page": 1,
            "page_size": 2,
            "next_page": 2,
        }

    def test_bad_input_is_422(self, http, coach):
        response = http.get("/api/v1/dashboard?page_size=101", headers=coach.headers)

        assert "query.page_size" in problem_of(response, 422)["errors"]

    def test_a_client_gets_403(self, http, client_user):
        problem_of(http.get("/api/v1/dashboard", headers=client_user.headers), 403)

    def test_it_needs_a_token(self, http):
        problem_of(http.get("/api/v1/dashboard"), 401)

    def test_it_takes_as_many_statements_for_many_clients_as_for_few(
        self, http, coach, academy, exercises
    ):
        program = create_program(http, coach, exercises, plan(5, TWICE_A_WEEK))
        counts = []
        for batch in (1, 9):
            for n in range(batch):
                person = new_client(academy, f"Client {batch}-{n}")
                assignment = assign(http, coach, person.id, program["id"], start=date(2026, 2, 10))
                check_in_slots(http, person, assignment["id"], TWICE_A_WEEK[: 2 + n % 4])
                rate(http, person, "2026-03-10", ("knee", "left", 3, 5 + n % 5))
            response, statements = measured(
                http.get, "/api/v1/dashboard?page_size=100", headers=coach.headers
            )
            assert response.status_code == 200
            counts.append((len(response.get_json()), statements))

        print(f"dashboard (clients listed, statements): {counts}")
        assert counts[0][0] < counts[1][0]
        assert counts[0][1] == counts[1][1]
