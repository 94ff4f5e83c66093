"""Check-ins over HTTP: the client app's own check-ins and the coach's reads."""

import json

import pytest

from academy.checkins.models import CheckIn, CheckInRating, CheckInResult
from academy.checkins.schemas import CheckInSchema
from academy.extensions import db
from tests.checkins.conftest import (
    START,
    TODAY,
    check_in_for,
    days,
    iso,
    post_check_in,
    program_body,
    sessions_of,
)
from tests.conftest import (
    assert_shape,
    count_rows,
    count_statements,
    make_user,
    measured,
    problem_of,
    sign_in,
)
from tests.files.conftest import attach_video


def full_check_in(sessions, assignment) -> dict:
    """Every field of a check-in of the first session, as the client app sends it."""
    session = sessions[(1, 1)]
    tucks, breathing = session["items"]
    return {
        "date": session["date"],
        "assignment_id": assignment["id"],
        "session_id": session["id"],
        "completed": True,
        "rpe": 6,
        "duration_minutes": 35,
        "results": [
            {
                "item_id": tucks["id"],
                "sets_done": 2,
                "reps_done": 8,
                "side": "both",
                "felt_in": ["proximal_hamstrings"],
                "notes": "Felt the hamstrings switch on.",
            },
            {
                "item_id": breathing["id"],
                "completed": False,
                "side": "left_bias",
                "felt_in": ["diaphragm", "ribs"],
            },
        ],
        "ratings": [
            {"region": "hip_flexors", "side": "left", "tightness": 6, "pain": 2},
            {"region": "hip_flexors", "side": "right", "tightness": 3},
        ],
        "wellness": {"sleep_hours": 7.5, "stress": 2, "energy": 4, "soreness": 3},
        "run": {"distance_km": 8.2, "duration_minutes": 44.5, "cadence_spm": 172},
        "notes": "Left hip pinch eased.",
    }


def prescribed(exercise_id: int, name: str, stage: str, **dosage) -> dict:
    return {
        "kind": "exercise",
        "exercise_id": exercise_id,
        "exercise_name": name,
        "run": None,
        "planned_distance_m": None,
        "planned_duration_seconds": None,
        "stage": stage,
        "sets": None,
        "reps": None,
        "hold_seconds": None,
        "breaths": None,
        "duration_seconds": None,
        "distance_m": None,
        "load": None,
        "side": "both",
        **dosage,
    }


CALF = {"region": "calf", "side": "left"}


def nothing_stored() -> bool:
    return count_rows(CheckIn) == count_rows(CheckInResult) == count_rows(CheckInRating) == 0


@pytest.fixture
def my_check_in(http, client_user, sessions, assignment) -> dict:
    response = post_check_in(http, client_user, full_check_in(sessions, assignment))
    assert response.status_code == 201
    return response.get_json()


@pytest.fixture
def neighbours_check_in(http, other_client_user) -> dict:
    """A check-in of another client of the same academy."""
    response = post_check_in(http, other_client_user, {"date": iso(TODAY), "rpe": 3})
    assert response.status_code == 201
    return response.get_json()


@pytest.fixture
def foreign_check_in(http, other_academy_client) -> dict:
    """A check-in of another academy's client."""
    response = post_check_in(http, other_academy_client, {"date": iso(TODAY), "rpe": 3})
    assert response.status_code == 201
    return response.get_json()


class TestCreateCheckIn:
    def test_it_records_a_check_in_with_results_and_ratings(
        self, http, client_user, exercises, sessions, assignment
    ):
        body = full_check_in(sessions, assignment)

        response = post_check_in(http, client_user, body)

        assert response.status_code == 201
        answer = response.get_json()
        session = sessions[(1, 1)]
        assert answer["client_id"] == client_user.id
        assert answer["date"] == "2026-03-02"
        assert (answer["assignment_id"], answer["session_id"]) == (assignment["id"], session["id"])
        assert answer["session"] == {
            "id": session["id"],
            "week": 1,
            "day": 1,
            "title": "Find the hamstrings",
        }
        assert (answer["completed"], answer["rpe"], answer["duration_minutes"]) == (True, 6, 35)
        assert [r["item_id"] for r in answer["results"]] == [i["id"] for i in session["items"]]
        assert answer["results"][0]["prescribed"] == prescribed(
            exercises["tucks"], "All 4s Pelvic Tucks", "position", sets=2, reps=8
        )
        assert answer["results"][1]["prescribed"] == prescribed(
            exercises["breathing"], "90-90 Breathing", "breathing", breaths=5, side="left_bias"
        )
        assert answer["results"][0] | {"id": None, "prescribed": None} == {
            "id": None,
            "item_id": session["items"][0]["id"],
            "prescribed": None,
            "completed": True,
            "sets_done": 2,
            "reps_done": 8,
            "side": "both",
            "felt_in": ["proximal_hamstrings"],
            "notes": "Felt the hamstrings switch on.",
        }
        assert answer["results"][1]["completed"] is False
        assert answer["ratings"] == [
            {"region": "hip_flexors", "side": "left", "tightness": 6, "pain": 2},
            {"region": "hip_flexors", "side": "right", "tightness": 3, "pain": None},
        ]
        assert answer["wellness"] == body["wellness"]
        assert answer["run"] == body["run"]
        assert answer["notes"] == "Left hip pinch eased."
        assert answer["created_at"].endswith("Z") and answer["updated_at"].endswith("Z")
        stored = db.session.get(CheckIn, answer["id"])
        assert (stored.academy_id, stored.client_id) == (client_user.academy_id, client_user.id)
        assert (stored.sleep_hours, stored.stress, stored.run_distance_km) == (7.5, 2, 8.2)
        assert [(r.position, r.item_id, r.felt_in) for r in stored.results] == [
            (0, session["items"][0]["id"], ["proximal_hamstrings"]),
            (1, session["items"][1]["id"], ["diaphragm", "ribs"]),
        ]
        assert [
            (r.academy_id, r.client_id, r.date, r.side, r.tightness, r.pain) for r in stored.ratings
        ] == [
            (client_user.academy_id, client_user.id, START, "left", 6, 2),
            (client_user.academy_id, client_user.id, START, "right", 3, None),
        ]

    def test_a_date_is_all_it_needs(self, http, client_user):
        response = post_check_in(http, client_user, {"date": iso(TODAY)})

        assert response.status_code == 201
        answer = response.get_json()
        assert answer["date"] == "2026-03-11" and answer["completed"] is True
        assert answer["assignment_id"] is None and answer["session"] is None
        assert answer["results"] == [] and answer["ratings"] == []
        assert answer["wellness"] == {
            "sleep_hours": None,
            "stress": None,
            "energy": None,
            "soreness": None,
        }
        assert answer["notes"] == ""
        assert count_rows(CheckIn, CheckIn.client_id == client_user.id) == 1

    @pytest.mark.parametrize("full", [True, False], ids=["every field", "the fewest fields"])
    def test_the_answer_is_what_reading_it_back_gives(
        self, http, client_user, sessions, assignment, full
    ):
        session = sessions[(1, 1)]
        body = (
            full_check_in(sessions, assignment)
            if full
            else {
                "date": session["date"],
                "assignment_id": assignment["id"],
                "session_id": session["id"],
                "results": [{"item_id": session["items"][0]["id"]}],
                "ratings": [CALF | {"pain": 1}],
            }
        )

        answer = post_check_in(http, client_user, body).get_json()

        read = http.get(f"/api/v1/me/check-ins/{answer['id']}", headers=client_user.headers)
        assert read.get_json() == answer
        if not full:
            result = db.session.get(CheckIn, answer["id"]).results[0]
            assert (result.completed, result.felt_in, result.notes) == (True, [], "")
            assert answer["results"][0]["sets_done"] is None

    def test_the_body_has_exactly_the_fields_of_its_schema(
        self, http, client_user, sessions, assignment
    ):
        posted = post_check_in(http, client_user, full_check_in(sessions, assignment)).get_json()
        # With a form-check video, so that every level of the answer is checked.
        attach_video(http, client_user, posted["id"])

        answer = http.get(f"/api/v1/me/check-ins/{posted['id']}", headers=client_user.headers)
        assert_shape(answer.get_json(), CheckInSchema())
        listed = http.get("/api/v1/me/check-ins", headers=client_user.headers).get_json()
        assert_shape(listed[0], CheckInSchema())
        assert {**posted, "media": [], "updated_at": None} == {
            **answer.get_json(),
            "media": [],
            "updated_at": None,
        }

    def test_it_is_answered_without_reading_back_what_it_wrote(
        self, http, client_user, sessions, assignment
    ):
        """A new check-in's lists are the body's: answering it reads none of them (nor
        its videos, which it cannot have yet) from the database."""
        body = full_check_in(sessions, assignment)
        for left_out in ((), ("results",), ("ratings",), ("results", "ratings")):
            payload = {key: value for key, value in body.items() if key not in left_out}
            with count_statements() as statements:
                response = post_check_in(http, client_user, payload)
            assert response.status_code == 201, response.get_data(as_text=True)
            # Loading a check-in's list selects its rows whole, from their ids on (the
            # summary's reads aggregate the ratings of the days instead).
            lists = ("check_in_results", "check_in_ratings", "check_in_media")
            read_back = tuple(f"SELECT {table}.id" for table in lists)
            assert not [s for s in statements if s.lstrip().startswith(read_back)]
            db.session.delete(db.session.get(CheckIn, response.get_json()["id"]))
            db.session.commit()

    def test_its_summary_is_read_with_the_clients_id_bound_alone(
        self, http, client_user, sessions, assignment
    ):
        """The summary's reads are built once for one client: sent as compiled, with no
        list of ids expanded into them on every POST."""
        with count_statements() as statements:
            response = post_check_in(http, client_user, full_check_in(sessions, assignment))
        assert response.status_code == 201, response.get_data(as_text=True)
        assert any("client_summaries" in s for s in statements)
        assert not [s for s in statements if "client_id IN (" in s or "clients.id IN (" in s]

    def test_its_statements_grow_with_its_lists_only_where_the_database_needs_it(
        self, http, client_user, sessions, assignment
    ):
        body = full_check_in(sessions, assignment)
        counts = []
        for size in (1, 2):
            payload = body | {"results": body["results"][:size], "ratings": body["ratings"][:size]}
            response, statements = measured(
                post_check_in, http, client_user, payload, key=f"size-{size}"
            )
            assert response.status_code == 201
            counts.append(statements)
            # The session holds one check-in: free it for the next size.
            db.session.delete(db.session.get(CheckIn, response.get_json()["id"]))
            db.session.commit()
        print(f"statements per check-in posted with a key: {counts}")
        # The unit of work sends each list in one INSERT on PostgreSQL. SQLite cannot
        # hand back the new rows' ids in the order given from one INSERT of many rows,
        # so there it sends one a row: one more result and one more rating, two more.
        more_per_row = 0 if db.engine.dialect.name == "postgresql" else 2
        assert counts[1] == counts[0] + more_per_row

    @pytest.mark.parametrize(
        "changes",
        [
            {"rpe": 1},
            {"rpe": 10},
            {"ratings": [{"region": "calf", "side": "both", "tightness": 0, "pain": 10}]},
            {"ratings": [{"region": "foot", "side": "left", "tightness": 10, "pain": 0}]},
            {"wellness": {"stress": 1, "energy": 5, "soreness": 1, "sleep_hours": 0}},
        ],
    )
    def test_it_accepts_the_ends_of_every_scale(self, http, client_user, changes):
        response = post_check_in(http, client_user, {"date": iso(TODAY), **changes})

        assert response.status_code == 201
        assert all(response.get_json()[field] == value for field, value in changes.items())
        assert count_rows(CheckIn) == 1

    @pytest.mark.parametrize(
        "changes, path",
        [
            ({"rpe": 0}, "rpe"),
            ({"rpe": 11}, "rpe"),
            ({"duration_minutes": -1}, "duration_minutes"),
            ({"ratings": [{**CALF, "tightness": -1}]}, "ratings[0].tightness"),
            ({"ratings": [{**CALF, "tightness": 11}]}, "ratings[0].tightness"),
            ({"ratings": [{**CALF, "pain": -1}]}, "ratings[0].pain"),
            ({"ratings": [{**CALF, "pain": 11}]}, "ratings[0].pain"),
            ({"ratings": [{**CALF, "region": "elbow", "pain": 1}]}, "ratings[0].region"),
            ({"ratings": [{**CALF, "side": "left_bias", "pain": 1}]}, "ratings[0].side"),
            ({"ratings": [CALF]}, "ratings[0]"),  # neither tightness nor pain
            ({"wellness": {"stress": 0}}, "wellness.stress"),
            ({"wellness": {"energy": 6}}, "wellness.energy"),
            ({"wellness": {"soreness": 6}}, "wellness.soreness"),
            ({"wellness": {"sleep_hours": 25}}, "wellness.sleep_hours"),
            ({"run": {"cadence_spm": -5}}, "run.cadence_spm"),
            ({"results": [{"item_id": 1, "side": "middle"}]}, "results[0].side"),
            ({"results": [{"item_id": 1, "felt_in": ["elbow"]}]}, "results[0].felt_in[0]"),
            ({"results": [{"sets_done": 2}]}, "results[0].item_id"),
            ({"date": "yesterday"}, "date"),
            ({"date": None}, "date"),
            ({"id": 99}, "id"),
            ({"client_id": 99}, "client_id"),
            ({"academy_id": 99}, "academy_id"),
            ({"created_at": "2026-03-01T00:00:00Z"}, "created_at"),
            ({"mood": "great"}, "mood"),
        ],
    )
    def test_bad_input_is_422_and_stores_nothing(self, http, client_user, changes, path):
        response = post_check_in(http, client_user, {"date": iso(TODAY), **changes})

        assert path in problem_of(response, 422)["errors"]
        assert nothing_stored()

    def test_a_date_is_required(self, http, client_user):
        response = post_check_in(http, client_user, {"rpe": 5})

        assert "date" in problem_of(response, 422)["errors"]
        assert nothing_stored()

    def test_an_item_of_another_session_is_422_naming_its_path(
        self, http, client_user, sessions, assignment
    ):
        body = check_in_for(sessions[(1, 1)], assignment["id"])
        body["results"].append({"item_id": sessions[(1, 3)]["items"][0]["id"]})
        body["results"][1], body["results"][2] = body["results"][2], body["results"][1]

        response = post_check_in(http, client_user, body)

        errors = problem_of(response, 422)["errors"]
        assert list(errors) == ["results[1].item_id"]
        assert nothing_stored()

    def test_a_session_of_another_assignment_is_422(
        self, http, coach, client_user, program, sessions, assignment
    ):
        second = http.post(
            f"/api/v1/clients/{client_user.id}/assignments",
            json={"program_id": program["id"], "start_date": iso(START)},
            headers=coach.headers,
        ).get_json()
        body = check_in_for(sessions[(1, 1)], second["id"])

        response = post_check_in(http, client_user, body)

        assert "session_id" in problem_of(response, 422)["errors"]
        assert nothing_stored()

    def test_another_clients_assignment_is_422(
        self, http, coach, client_user, other_client_user, program, sessions, assignment
    ):
        theirs = http.post(
            f"/api/v1/clients/{other_client_user.id}/assignments",
            json={"program_id": program["id"], "start_date": iso(START)},
            headers=coach.headers,
        ).get_json()
        their_session = sessions_of(http, other_client_user, theirs["id"])[(1, 1)]

        response = post_check_in(http, client_user, check_in_for(their_session, theirs["id"]))

        assert "assignment_id" in problem_of(response, 422)["errors"]
        assert nothing_stored()

    def test_another_academys_assignment_is_422(
        self, http, client_user, other_academy_client, sessions, assignment
    ):
        response = post_check_in(
            http, other_academy_client, check_in_for(sessions[(1, 1)], assignment["id"])
        )

        errors = problem_of(response, 422)["errors"]
        assert "assignment_id" in errors
        assert nothing_stored()

    def test_a_session_needs_its_assignment(self, http, client_user, sessions):
        body = check_in_for(sessions[(1, 1)], None)

        response = post_check_in(http, client_user, body)

        assert "session_id" in problem_of(response, 422)["errors"]
        assert nothing_stored()

    def test_results_need_a_session(self, http, client_user, sessions, assignment):
        body = check_in_for(sessions[(1, 1)], assignment["id"], session_id=None)

        response = post_check_in(http, client_user, body)

        assert "results" in problem_of(response, 422)["errors"]
        assert nothing_stored()

    def test_the_date_may_not_be_after_today_in_the_clients_timezone(self, http, client_user):
        response = post_check_in(http, client_user, {"date": iso(TODAY + days(1))})

        assert "date" in problem_of(response, 422)["errors"]
        assert nothing_stored()

    def test_a_client_east_of_utc_may_already_check_in_tomorrows_utc_date(
        self, http, academy, client_user
    ):
        # 12:00 UTC on the 11th is 02:00 on the 12th on Kiritimati (UTC+14).
        islander = sign_in(
            make_user(academy, "client", "Kiri", "kiri@north.test", timezone="Pacific/Kiritimati")
        )
        tomorrow = {"date": iso(TODAY + days(1))}

        in_kiritimati = post_check_in(http, islander, tomorrow)
        in_london = post_check_in(http, client_user, tomorrow)

        assert in_kiritimati.status_code == 201
        assert in_kiritimati.get_json()["date"] == "2026-03-12"
        problem_of(in_london, 422)
        assert count_rows(CheckIn) == 1

    def test_a_client_west_of_utc_may_not_yet_check_in_todays_utc_date(self, http, academy, clock):
        # 05:00 UTC on the 11th is still 18:00 on the 10th in Pago Pago (UTC-11).
        clock("2026-03-11T05:00:00Z")
        samoan = sign_in(
            make_user(academy, "client", "Sam", "sam@north.test", timezone="Pacific/Pago_Pago")
        )

        too_soon = post_check_in(http, samoan, {"date": iso(TODAY)})
        local_today = post_check_in(http, samoan, {"date": iso(TODAY - days(1))})

        assert "date" in problem_of(too_soon, 422)["errors"]
        assert local_today.status_code == 201
        assert count_rows(CheckIn) == 1

    def test_malformed_json_is_400(self, http, client_user):
        response = http.post(
            "/api/v1/me/check-ins",
            data='{"date": "2026-03-11",',
            content_type="application/json",
            headers=client_user.headers,
        )

        problem_of(response, 400)
        assert nothing_stored()

    def test_an_over_large_body_is_413(self, app, http, client_user):
        body = {"date": iso(TODAY), "notes": "x" * app.config["MAX_CONTENT_LENGTH"]}

        response = http.post(
            "/api/v1/me/check-ins",
            data=json.dumps(body),
            content_type="application/json",
            headers=client_user.headers,
        )

        problem_of(response, 413)
        assert nothing_stored()

    def test_a_coach_gets_403(self, http, coach):
        response = post_check_in(http, coach, {"date": iso(TODAY)})

        problem_of(response, 403)
        assert nothing_stored()

    def test_it_needs_a_token(self, http):
        response = http.post("/api/v1/me/check-ins", json={"date": iso(TODAY)})

        problem_of(response, 401)
        assert nothing_stored()


class TestCheckInsAndTheSchedule:
    def test_a_completed_check_in_marks_its_session_done(
        self, http, client_user, sessions, assignment
    ):
        post_check_in(http, client_user, check_in_for(sessions[(1, 1)], assignment["id"]))
        post_check_in(
            http, client_user, check_in_for(sessions[(1, 3)], assignment["id"], completed=False)
        )

        after = sessions_of(http, client_user, assignment["id"])

        assert {slot: s["status"] for slot, s in after.items()} == {
            (1, 1): "done",
            (1, 3): "missed",  # checked in, but not completed
            (2, 1): "missed",
            (2, 3): "today",
        }

    def test_results_keep_the_prescription_after_the_coach_edits_the_program(
        self, http, coach, client_user, exercises, sessions, assignment
    ):
        check_in = post_check_in(
            http, client_user, check_in_for(sessions[(1, 3)], assignment["id"])
        ).get_json()
        program_url = f"/api/v1/programs/{assignment['program']['id']}"
        document = http.get(program_url, headers=coach.headers)
        edited = program_body(exercises)
        edited["sessions"][1]["items"][0].update(sets=5, reps=6, side="left", load="10 kg")

        put = http.put(
            program_url,
            json=edited,
            headers={**coach.headers, "If-Match": document.headers["ETag"]},
        )
        mine = http.get(f"/api/v1/me/check-ins/{check_in['id']}", headers=client_user.headers)
        coachs = http.get(f"/api/v1/check-ins/{check_in['id']}", headers=coach.headers)
        now = sessions_of(http, client_user, assignment["id"])

        assert put.status_code == 200
        was = prescribed(
            exercises["pulls"], "Bridge with Hip Flexor Pulls", "strength", sets=3, reps=10,
            side="each",
        )  # fmt: skip
        assert mine.get_json()["results"][0]["prescribed"] == was
        assert coachs.get_json()["results"][0]["prescribed"] == was
        assert mine.get_json()["session"]["id"] == sessions[(1, 3)]["id"]
        new_item = now[(1, 3)]["items"][0]
        assert new_item["id"] != sessions[(1, 3)]["items"][0]["id"]
        assert (new_item["sets"], new_item["side"], new_item["load"]) == (5, "left", "10 kg")
        assert now[(1, 3)]["status"] == "done"  # the edit does not undo the work


class TestListMyCheckIns:
    def test_it_lists_only_the_callers_check_ins_newest_first(
        self, http, client_user, neighbours_check_in, foreign_check_in
    ):
        for on in ("2026-03-01", "2026-03-05", "2026-03-03"):
            post_check_in(http, client_user, {"date": on})

        response = http.get("/api/v1/me/check-ins", headers=client_user.headers)

        assert response.status_code == 200
        assert [c["date"] for c in response.get_json()] == [
            "2026-03-05",
            "2026-03-03",
            "2026-03-01",
        ]
        assert {c["client_id"] for c in response.get_json()} == {client_user.id}
        pagination = json.loads(response.headers["X-Pagination"])
        assert (pagination["total"], pagination["page"], pagination["total_pages"]) == (3, 1, 1)

    def test_it_filters_by_date_range_inclusively(self, http, client_user):
        for on in ("2026-03-01", "2026-03-02", "2026-03-05", "2026-03-06"):
            post_check_in(http, client_user, {"date": on})

        response = http.get(
            "/api/v1/me/check-ins?from=2026-03-02&to=2026-03-05", headers=client_user.headers
        )

        assert response.status_code == 200
        assert [c["date"] for c in response.get_json()] == ["2026-03-05", "2026-03-02"]

    def test_it_pages(self, http, client_user):
        for day in range(1, 6):
            post_check_in(http, client_user, {"date": f"2026-03-0{day}"})

        response = http.get("/api/v1/me/check-ins?page=2&page_size=2", headers=client_user.headers)

        assert [c["date"] for c in response.get_json()] == ["2026-03-03", "2026-03-02"]
        pagination = json.loads(response.headers["X-Pagination"])
        assert (pagination["total"], pagination["total_pages"], pagination["next_page"]) == (
            5,
            3,
            3,
        )

    @pytest.mark.parametrize(
        "query, path",
        [
            ("from=2101-01-01", "query.from"),
            ("from=soon", "query.from"),
            ("page_size=101", "query.page_size"),
        ],
    )
    def test_bad_queries_are_422(self, http, client_user, query, path):
        response = http.get(f"/api/v1/me/check-ins?{query}", headers=client_user.headers)

        assert path in problem_of(response, 422)["errors"]

    def test_a_coach_gets_403(self, http, coach):
        problem_of(http.get("/api/v1/me/check-ins", headers=coach.headers), 403)

    def test_it_needs_a_token(self, http):
        problem_of(http.get("/api/v1/me/check-ins"), 401)

    def test_a_page_of_50_takes_as_many_statements_as_a_page_of_2(
        self, http, client_user, many_check_ins
    ):
        small, large = measure_pages(http, client_user, "/api/v1/me/check-ins")

        assert small == large


@pytest.fixture
def many_check_ins(http, client_user, sessions, assignment) -> None:
    """50 check-ins of the client, each with ratings: one of each of the four sessions,
    with results, and the rest of days between them."""
    for n in range(50):
        ratings = [
            {"region": "hip_flexors", "side": "left", "tightness": n % 11},
            {"region": "calf", "side": "both", "pain": n % 5},
        ]
        if n < len(sessions):
            session = list(sessions.values())[n]
            body = check_in_for(session, assignment["id"], ratings=ratings)
        else:
            body = {"date": iso(TODAY - days(n)), "ratings": ratings}
        assert post_check_in(http, client_user, body).status_code == 201


def measure_pages(http, actor, url: str) -> tuple[int, int]:
    """Statements of a page of 2 and of a page of 50, with every row's children."""
    counts = []
    for size in (2, 50):
        response, statements = measured(http.get, f"{url}?page_size={size}", headers=actor.headers)
        assert response.status_code == 200
        assert len(response.get_json()) == size
        assert all(c["ratings"] for c in response.get_json())
        assert any(c["results"] for c in response.get_json())
        assert all(r["prescribed"] for c in response.get_json() for r in c["results"])
        counts.append(statements)
    print(f"statements for {url}: page of 2 → {counts[0]}, page of 50 → {counts[1]}")
    return counts[0], counts[1]


class TestReadMyCheckIn:
    def test_it_answers_the_callers_check_in(self, http, client_user, my_check_in):
        response = http.get(
            f"/api/v1/me/check-ins/{my_check_in['id']}", headers=client_user.headers
        )

        assert response.status_code == 200
        assert response.get_json() == my_check_in

    def test_it_returns_404_for_another_clients_check_in(
        self, http, client_user, neighbours_check_in
    ):
        response = http.get(
            f"/api/v1/me/check-ins/{neighbours_check_in['id']}", headers=client_user.headers
        )

        problem_of(response, 404)

    def test_it_returns_404_for_another_academys_check_in(
        self, http, client_user, foreign_check_in
    ):
        response = http.get(
            f"/api/v1/me/check-ins/{foreign_check_in['id']}", headers=client_user.headers
        )

        problem_of(response, 404)

    def test_a_coach_gets_403(self, http, coach, my_check_in):
        response = http.get(f"/api/v1/me/check-ins/{my_check_in['id']}", headers=coach.headers)

        problem_of(response, 403)

    def test_it_needs_a_token(self, http, my_check_in):
        problem_of(http.get(f"/api/v1/me/check-ins/{my_check_in['id']}"), 401)


class TestUpdateMyCheckIn:
    def patch(self, http, actor, check_in_id, body, etag='"1"'):
        headers = {**actor.headers, "If-Match": etag}
        return http.patch(f"/api/v1/me/check-ins/{check_in_id}", json=body, headers=headers)

    def test_it_corrects_fields_and_replaces_the_lists(self, http, client_user, my_check_in):
        response = self.patch(
            http,
            client_user,
            my_check_in["id"],
            {
                "rpe": 8,
                "date": "2026-03-03",
                "results": [{"item_id": my_check_in["results"][1]["item_id"], "sets_done": 1}],
                "ratings": [{"region": "calf", "side": "both", "pain": 4}],
                "wellness": None,
            },
        )

        assert response.status_code == 200
        answer = response.get_json()
        assert (answer["rpe"], answer["date"], answer["notes"]) == (
            8,
            "2026-03-03",
            "Left hip pinch eased.",
        )
        assert [(r["item_id"], r["sets_done"]) for r in answer["results"]] == [
            (my_check_in["results"][1]["item_id"], 1)
        ]
        assert answer["ratings"] == [
            {"region": "calf", "side": "both", "tightness": None, "pain": 4}
        ]
        assert answer["wellness"] == dict.fromkeys(("sleep_hours", "stress", "energy", "soreness"))
        db.session.expire_all()
        assert count_rows(CheckInResult) == 1
        assert [(r.region, r.date) for r in db.session.scalars(db.select(CheckInRating))] == [
            ("calf", START + days(1))
        ]

    def test_a_new_date_moves_the_ratings_with_it(self, http, client_user, my_check_in):
        response = self.patch(http, client_user, my_check_in["id"], {"date": "2026-03-04"})

        assert response.status_code == 200
        assert response.get_json()["ratings"] == my_check_in["ratings"]
        db.session.expire_all()
        assert {r.date.isoformat() for r in db.session.scalars(db.select(CheckInRating))} == {
            "2026-03-04"
        }

    @pytest.mark.parametrize(
        "body, path",
        [
            ({"rpe": 11}, "rpe"),
            ({"ratings": [{"region": "calf", "side": "left", "pain": 12}]}, "ratings[0].pain"),
            ({"date": "2026-03-12"}, "date"),
            ({"date": None}, "date"),
            ({"client_id": 1}, "client_id"),
            # Unknown ids are reported by path, not left to the foreign keys (409).
            ({"results": [{"item_id": -1}]}, "results[0].item_id"),
            ({"session_id": -1}, "session_id"),
            ({"assignment_id": -1}, "assignment_id"),
        ],
    )
    def test_bad_input_is_422_and_changes_nothing(self, http, client_user, my_check_in, body, path):
        response = self.patch(http, client_user, my_check_in["id"], body)

        assert path in problem_of(response, 422)["errors"]
        db.session.expire_all()
        stored = db.session.get(CheckIn, my_check_in["id"])
        assert (stored.rpe, stored.date) == (6, START)
        assert len(stored.results) == 2 and len(stored.ratings) == 2
        assert {r.date for r in stored.ratings} == {START}

    def test_an_item_of_another_session_is_422(self, http, client_user, sessions, my_check_in):
        other_item = sessions[(2, 1)]["items"][0]["id"]

        response = self.patch(
            http, client_user, my_check_in["id"], {"results": [{"item_id": other_item}]}
        )

        assert list(problem_of(response, 422)["errors"]) == ["results[0].item_id"]
        assert count_rows(CheckInResult) == 2

    def test_it_returns_404_for_another_clients_check_in(
        self, http, client_user, neighbours_check_in
    ):
        response = self.patch(http, client_user, neighbours_check_in["id"], {"rpe": 9})

        problem_of(response, 404)
        assert db.session.get(CheckIn, neighbours_check_in["id"]).rpe == 3

    def test_it_returns_404_for_another_academys_check_in(
        self, http, client_user, foreign_check_in
    ):
        response = self.patch(http, client_user, foreign_check_in["id"], {"rpe": 9})

        problem_of(response, 404)
        assert db.session.get(CheckIn, foreign_check_in["id"]).rpe == 3

    def test_a_coach_gets_403(self, http, coach, my_check_in):
        problem_of(self.patch(http, coach, my_check_in["id"], {"rpe": 9}), 403)
        assert db.session.get(CheckIn, my_check_in["id"]).rpe == 6

    def test_it_needs_a_token(self, http, my_check_in):
        response = http.patch(f"/api/v1/me/check-ins/{my_check_in['id']}", json={"rpe": 9})

        problem_of(response, 401)
        assert db.session.get(CheckIn, my_check_in["id"]).rpe == 6


class TestDeleteMyCheckIn:
    def test_it_deletes_the_check_in_with_its_results_and_ratings(
        self, http, client_user, assignment, my_check_in
    ):
        response = http.delete(
            f"/api/v1/me/check-ins/{my_check_in['id']}",
            headers={**client_user.headers, "If-Match": '"1"'},
        )

        assert response.status_code == 204
        assert "Content-Type" not in response.headers and response.data == b""
        assert count_rows(CheckIn) == count_rows(CheckInResult) == count_rows(CheckInRating) == 0
        assert sessions_of(http, client_user, assignment["id"])[(1, 1)]["status"] == "missed"

    def test_it_returns_404_for_another_clients_check_in(
        self, http, client_user, neighbours_check_in
    ):
        response = http.delete(
            f"/api/v1/me/check-ins/{neighbours_check_in['id']}",
            headers={**client_user.headers, "If-Match": "*"},
        )

        problem_of(response, 404)
        assert count_rows(CheckIn) == 1

    def test_it_returns_404_for_another_academys_check_in(
        self, http, client_user, foreign_check_in
    ):
        response = http.delete(
            f"/api/v1/me/check-ins/{foreign_check_in['id']}",
            headers={**client_user.headers, "If-Match": "*"},
        )

        problem_of(response, 404)
        assert count_rows(CheckIn) == 1

    def test_a_coach_gets_403(self, http, coach, my_check_in):
        response = http.delete(f"/api/v1/me/check-ins/{my_check_in['id']}", headers=coach.headers)

        problem_of(response, 403)
        assert count_rows(CheckIn) == 1

    def test_it_needs_a_token(self, http, my_check_in):
        problem_of(http.delete(f"/api/v1/me/check-ins/{my_check_in['id']}"), 401)
        assert count_rows(CheckIn) == 1

    def test_without_if_match_it_is_428_and_with_a_stale_one_412(
        self, http, client_user, my_check_in
    ):
        url = f"/api/v1/me/check-ins/{my_check_in['id']}"

        missing = http.delete(url, headers=client_user.headers)
        stale = http.delete(url, headers={**client_user.headers, "If-Match": '"7"'})

        problem_of(missing, 428)
        problem_of(stale, 412)
        assert count_rows(CheckIn) == 1

    def test_an_empty_if_match_is_a_missing_one_as_the_document_says(
        self, http, client_user, my_check_in
    ):
        url = f"/api/v1/me/check-ins/{my_check_in['id']}"

        empty = http.delete(url, headers={**client_user.headers, "If-Match": ""})

        problem_of(empty, 428)
        assert count_rows(CheckIn) == 1
        paths = http.get("/openapi.json").get_json()["paths"]
        header = next(
            p
            for p in paths["/api/v1/me/check-ins/{check_in_id}"]["delete"]["parameters"]
            if p["name"] == "If-Match"
        )
        assert header["required"] is True
        assert header["schema"] == {"type": "string", "minLength": 1}


class TestListClientCheckIns:
    def url(self, client_id) -> str:
        return f"/api/v1/clients/{client_id}/check-ins"

    def test_it_lists_one_clients_check_ins_newest_first(
        self, http, coach, client_user, my_check_in, neighbours_check_in
    ):
        post_check_in(http, client_user, {"date": "2026-03-09"})

        response = http.get(self.url(client_user.id), headers=coach.headers)

        assert response.status_code == 200
        answer = response.get_json()
        assert [c["date"] for c in answer] == ["2026-03-09", "2026-03-02"]
        assert answer[1] == my_check_in
        assert json.loads(response.headers["X-Pagination"])["total"] == 2

    def test_it_filters_by_date_range(self, http, coach, client_user, my_check_in):
        post_check_in(http, client_user, {"date": "2026-03-09"})

        response = http.get(
            f"{self.url(client_user.id)}?from=2026-03-03&to=2026-03-10", headers=coach.headers
        )

        assert [c["date"] for c in response.get_json()] == ["2026-03-09"]

    def test_bad_input_is_422(self, http, coach, client_user):
        response = http.get(f"{self.url(client_user.id)}?to=2026-02-30", headers=coach.headers)

        assert "query.to" in problem_of(response, 422)["errors"]

    def test_to_before_from_is_an_empty_range(self, http, coach, client_user):
        post_check_in(http, client_user, {"date": "2026-03-09"})

        response = http.get(
            f"{self.url(client_user.id)}?from=2026-03-10&to=2026-03-01", headers=coach.headers
        )

        assert response.status_code == 200 and response.get_json() == []

    def test_it_returns_404_for_another_academys_client(
        self, http, coach, other_academy_client, foreign_check_in
    ):
        problem_of(http.get(self.url(other_academy_client.id), headers=coach.headers), 404)

    def test_a_client_gets_403(self, http, client_user, my_check_in):
        problem_of(http.get(self.url(client_user.id), headers=client_user.headers), 403)

    def test_it_needs_a_token(self, http, client_user):
        problem_of(http.get(self.url(client_user.id)), 401)

    def test_a_page_of_50_takes_as_many_statements_as_a_page_of_2(
        self, http, coach, client_user, many_check_ins
    ):
        small, large = measure_pages(http, coach, self.url(client_user.id))

        assert small == large


class TestReadCheckIn:
    def test_it_answers_a_check_in_of_the_academys_client(self, http, coach, my_check_in):
        response = http.get(f"/api/v1/check-ins/{my_check_in['id']}", headers=coach.headers)

        assert response.status_code == 200
        assert response.get_json() == my_check_in

    def test_it_returns_404_for_another_academys_check_in(self, http, coach, foreign_check_in):
        response = http.get(f"/api/v1/check-ins/{foreign_check_in['id']}", headers=coach.headers)

        problem_of(response, 404)

    def test_a_client_gets_403_even_for_their_own(self, http, client_user, my_check_in):
        response = http.get(f"/api/v1/check-ins/{my_check_in['id']}", headers=client_user.headers)

        problem_of(response, 403)

    def test_it_needs_a_token(self, http, my_check_in):
        problem_of(http.get(f"/api/v1/check-ins/{my_check_in['id']}"), 401)


class TestACheckInBelongsToItsSession:
    """A check-in naming a session is dated on or after the assignment's start, and at
    most 3 days before the session's date; a session holds one check-in."""

    def test_a_date_before_the_assignment_starts_is_422(
        self, http, client_user, sessions, assignment
    ):
        body = check_in_for(sessions[(1, 1)], assignment["id"], date="2026-03-01")

        response = post_check_in(http, client_user, body)

        assert problem_of(response, 422)["errors"] == {
            "date": ["Not before the assignment's start, 2026-03-02."]
        }
        assert count_rows(CheckIn) == 0

    def test_more_than_3_days_before_the_session_is_422(
        self, http, client_user, sessions, assignment
    ):
        # Session (2, 3) falls on Wed 11 Mar; Sat 7 Mar is 4 days before.
        body = check_in_for(sessions[(2, 3)], assignment["id"], date="2026-03-07")

        response = post_check_in(http, client_user, body)

        assert problem_of(response, 422)["errors"] == {
            "date": ["At most 3 days before the session's date, 2026-03-11."]
        }
        assert count_rows(CheckIn) == 0

    def test_3_days_early_is_a_session_done_early(self, http, client_user, sessions, assignment):
        body = check_in_for(sessions[(2, 3)], assignment["id"], date="2026-03-08")

        assert post_check_in(http, client_user, body).status_code == 201

    def test_a_second_check_in_of_a_session_is_409_naming_the_first(
        self, http, client_user, sessions, assignment
    ):
        first = post_check_in(http, client_user, check_in_for(sessions[(1, 1)], assignment["id"]))
        again = check_in_for(sessions[(1, 1)], assignment["id"], rpe=3)

        response = post_check_in(http, client_user, again)

        problem = problem_of(response, 409)
        assert problem["existing_id"] == first.get_json()["id"]
        assert problem["errors"] == {
            "session_id": [f"Check-in {first.get_json()['id']} is for this session."]
        }
        assert count_rows(CheckIn) == 1

    def test_the_session_edited_since_still_holds_the_first(
        self, http, coach, client_user, sessions, assignment
    ):
        first = post_check_in(http, client_user, check_in_for(sessions[(1, 1)], assignment["id"]))
        # The coach changes the session: it is retired, and a new version takes its place.
        program_id = assignment["program"]["id"]
        document = http.get(f"/api/v1/programs/{program_id}", headers=coach.headers)
        body = {k: document.get_json()[k] for k in ("name", "description", "goal", "weeks")}
        body["sessions"] = [
            {
                "week": s["week"],
                "day": s["day"],
                "title": s["title"] + (" (edited)" if (s["week"], s["day"]) == (1, 1) else ""),
                "items": [{"exercise_id": i["exercise_id"]} for i in s["items"]],
            }
            for s in document.get_json()["sessions"]
        ]
        http.put(
            f"/api/v1/programs/{program_id}",
            json=body,
            headers={**coach.headers, "If-Match": document.headers["ETag"]},
        )
        edited = sessions_of(http, client_user, assignment["id"])[(1, 1)]
        assert edited["id"] != sessions[(1, 1)]["id"]

        response = post_check_in(http, client_user, check_in_for(edited, assignment["id"]))

        assert problem_of(response, 409)["existing_id"] == first.get_json()["id"]


class TestTwoDevicesCorrectingOneCheckIn:
    def test_the_second_with_the_older_etag_gets_412_and_changes_nothing(
        self, http, client_user, my_check_in
    ):
        url = f"/api/v1/me/check-ins/{my_check_in['id']}"
        etag = http.get(url, headers=client_user.headers).headers["ETag"]

        phone = http.patch(url, json={"rpe": 7}, headers={**client_user.headers, "If-Match": etag})
        watch = http.patch(url, json={"rpe": 2}, headers={**client_user.headers, "If-Match": etag})

        assert phone.status_code == 200 and phone.headers["ETag"] != etag
        problem_of(watch, 412)
        assert http.get(url, headers=client_user.headers).get_json()["rpe"] == 7

    def test_a_new_check_in_answers_its_etag_and_where_it_lives(
        self, http, client_user, sessions, assignment
    ):
        response = post_check_in(
            http, client_user, check_in_for(sessions[(1, 1)], assignment["id"])
        )

        assert response.headers["ETag"] == '"1"'
        assert response.headers["Location"] == f"/api/v1/me/check-ins/{response.get_json()['id']}"
        assert (
            http.get(response.headers["Location"], headers=client_user.headers).status_code == 200
        )


class TestSyncingCheckIns:
    def test_sort_date_lists_the_oldest_first(self, http, client_user):
        for on in ("2026-03-05", "2026-03-01", "2026-03-09"):
            post_check_in(http, client_user, {"date": on})

        listed = http.get("/api/v1/me/check-ins?sort=date", headers=client_user.headers)

        assert [c["date"] for c in listed.get_json()] == ["2026-03-01", "2026-03-05", "2026-03-09"]

    def test_updated_since_keeps_what_changed_since_the_last_sync(self, http, client_user):
        from datetime import UTC, datetime

        old, fresh = (post_check_in(http, client_user, {"date": on}).get_json()
                      for on in ("2026-03-01", "2026-03-02"))  # fmt: skip
        db.session.get(CheckIn, old["id"]).updated_at = datetime(2026, 1, 1, tzinfo=UTC)
        db.session.commit()

        since = http.get(
            "/api/v1/me/check-ins?updated_since=2026-02-01T00:00:00Z", headers=client_user.headers
        )

        assert [c["id"] for c in since.get_json()] == [fresh["id"]]


class TestEveryFaultInOneAnswer:
    def test_a_schema_fault_and_a_cross_object_fault_come_together(
        self, http, client_user, sessions, assignment
    ):
        body = check_in_for(sessions[(1, 1)], assignment["id"], rpe=11)
        body["results"].append({"item_id": 999_999})

        response = post_check_in(http, client_user, body)

        errors = problem_of(response, 422)["errors"]
        assert set(errors) == {"rpe", "results[2].item_id"}
        assert count_rows(CheckIn) == 0

    def test_a_date_too_early_is_named_with_a_schema_fault(
        self, http, client_user, sessions, assignment
    ):
        body = check_in_for(sessions[(2, 3)], assignment["id"], date="2026-03-01", rpe=0)

        errors = problem_of(post_check_in(http, client_user, body), 422)["errors"]

        assert set(errors) == {"rpe", "date"}
