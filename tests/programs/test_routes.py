"""Programs, assignments and the client app's schedule over HTTP."""

import copy
import json
import threading
from collections import namedtuple
from datetime import date

import pytest
import sqlalchemy as sa

from academy.checkins.models import CheckIn
from academy.common.time import utcnow
from academy.exercises.models import Exercise
from academy.extensions import db
from academy.programs.models import (
    ITEM_DOSAGE,
    Assignment,
    Program,
    ProgramItem,
    ProgramSession,
)
from academy.programs.schemas import ProgramSchema
from academy.schedule.schemas import ClientAssignmentSchema, ScheduleEntrySchema, TodaySchema
from tests.conftest import (
    assert_shape,
    count_rows,
    count_statements,
    make_user,
    problem_of,
    sign_in,
)
from tests.programs.conftest import SLUGS, make_exercise

START = "2026-03-09"  # the Monday the assignments of this suite start on
NOW = "2026-03-11T09:00:00Z"  # a Wednesday morning: week 1 day 3 of those assignments


# --- helpers ----------------------------------------------------------------------------


def program_body(ex, **changes) -> dict:
    """A valid program document; session [2] has an item, for the path-naming tests."""
    body = {
        "name": "Pelvis to Neutral",
        "description": "Position, then breathing, then strength.",
        "goal": "Ease the left hip-flexor pinch",
        "weeks": 2,
        "sessions": [
            {
                "week": 1,
                "day": 1,
                "title": "Find the hamstrings",
                "notes": "Slow and soft glutes.",
                "items": [
                    {"exercise_id": ex["all-4s-pelvic-tucks"], "sets": 2, "reps": 8},
                    {
                        "exercise_id": ex["90-90-breathing-left-bias"],
                        "group": "A",
                        "sets": 3,
                        "breaths": 5,
                        "side": "left_bias",
                        "notes": "Press through the left heel.",
                    },
                ],
            },
            {
                "week": 1,
                "day": 3,
                "title": "Breathe",
                "items": [{"exercise_id": ex["90-90-breathing"], "sets": 4, "breaths": 5}],
            },
            {
                "week": 2,
                "day": 1,
                "title": "Strength",
                "items": [
                    {
                        "exercise_id": ex["bridge-with-hip-flexor-pulls"],
                        "stage": "power",
                        "sets": 3,
                        "reps": 6,
                        "hold_seconds": 20,
                        "load": "bodyweight",
                        "tempo": "3-1-1",
                        "rest_seconds": 60,
                        "side": "each",
                    }
                ],
            },
        ],
    }
    body.update(copy.deepcopy(changes))
    return body


def four_day_body(ex, **changes) -> dict:
    """Sessions on week 1 days 1, 2 and 3 and week 2 day 1: Mon 9, Tue 10, Wed 11, Mon 16."""
    item = {"exercise_id": ex["90-90-breathing"], "breaths": 5}
    sessions = [
        {"week": 1, "day": 1, "title": "Monday", "items": [item]},
        {"week": 1, "day": 2, "title": "Tuesday", "items": [item, item]},
        {"week": 1, "day": 3, "title": "Wednesday", "items": [item]},
        {"week": 2, "day": 1, "title": "Next Monday", "items": [item]},
    ]
    return {"name": "Four Days", "weeks": 2, "sessions": sessions, **changes}


def create_program(http, actor, body):
    return http.post("/api/v1/programs", json=body, headers=actor.headers)


def created(http, actor, body) -> dict:
    response = create_program(http, actor, body)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def etag_of(http, actor, url) -> str:
    return http.get(url, headers=actor.headers).headers["ETag"]


def with_if_match(actor, etag) -> dict:
    return {**actor.headers, "If-Match": etag}


def put_program(http, actor, program_id, body, etag='"1"'):
    return http.put(f"/api/v1/programs/{program_id}", json=body, headers=with_if_match(actor, etag))


def assign(http, actor, client_id, program_id, start_date=START, **extra):
    return http.post(
        f"/api/v1/clients/{client_id}/assignments",
        json={"program_id": program_id, "start_date": start_date, **extra},
        headers=actor.headers,
    )


def assigned(http, actor, client_id, program_id, start_date=START) -> dict:
    response = assign(http, actor, client_id, program_id, start_date)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def patch_assignment(http, actor, assignment_id, body, etag='"1"'):
    return http.patch(
        f"/api/v1/assignments/{assignment_id}", json=body, headers=with_if_match(actor, etag)
    )


def client_copy_of(http, coach, client_id) -> dict:
    listed = http.get(
        f"/api/v1/programs?kind=client&client_id={client_id}", headers=coach.headers
    ).get_json()
    assert len(listed) == 1
    return listed[0]


# What an item reads back as when the document leaves a field out.
ITEM_DEFAULTS = dict.fromkeys(("group", *ITEM_DOSAGE, "load", "tempo", "run")) | {
    "kind": "exercise",
    "side": "both",
    "notes": "",
}


def as_stored(body: dict) -> list[dict]:
    """The sessions a document should read back as, without ids: sorted, defaults filled
    (an item that gives no dosage takes its exercise's; a biased exercise's side is its
    bias)."""
    exercises = {
        row.id: row
        for row in db.session.execute(
            sa.select(Exercise).with_only_columns(
                Exercise.id, Exercise.name, Exercise.stage, Exercise.side_bias,
                Exercise.sets, Exercise.reps, Exercise.hold_seconds, Exercise.breaths,
                Exercise.duration_seconds,
            )
        )
    }  # fmt: skip

    def item(written):
        exercise = exercises[written["exercise_id"]]
        defaults = dict(ITEM_DEFAULTS)
        if not any(written.get(field) is not None for field in ITEM_DOSAGE[:6]):
            defaults.update({f: getattr(exercise, f) for f in ITEM_DOSAGE[:5]})
        if exercise.side_bias:
            defaults["side"] = f"{exercise.side_bias}_bias"
        return {"stage": exercise.stage, **defaults, **written, "exercise_name": exercise.name}

    return [
        {
            "week": s["week"],
            "day": s["day"],
            "title": s.get("title", ""),
            "notes": s.get("notes", ""),
            "items": [item(i) for i in s.get("items", [])],
        }
        for s in sorted(body["sessions"], key=lambda s: (s["week"], s["day"]))
    ]


def without_ids(sessions: list[dict]) -> list[dict]:
    return [
        {
            **{k: v for k, v in s.items() if k != "id"},
            "items": [{k: v for k, v in i.items() if k != "id"} for i in s["items"]],
        }
        for s in sessions
    ]


Stored = namedtuple("Stored", "version name weeks goal archived_at sessions items")


def snapshot(program_id: int) -> Stored:
    """Everything stored about a program, retired rows included."""
    db.session.expire_all()
    program = db.session.get(Program, program_id)
    sessions = db.session.execute(
        sa.select(ProgramSession.__table__)
        .where(ProgramSession.program_id == program_id)
        .order_by(ProgramSession.id)
    ).all()
    items = db.session.execute(
        sa.select(ProgramItem.__table__)
        .join(ProgramSession, ProgramSession.id == ProgramItem.session_id)
        .where(ProgramSession.program_id == program_id)
        .order_by(ProgramItem.id)
    ).all()
    return Stored(
        program.version,
        program.name,
        program.weeks,
        program.goal,
        program.archived_at,
        sessions,
        items,
    )


def sessions_in_force(program_id: int) -> list[tuple]:
    return db.session.execute(
        sa.select(ProgramSession.week, ProgramSession.day, ProgramSession.title)
        .where(ProgramSession.program_id == program_id, ProgramSession.retired_at.is_(None))
        .order_by(ProgramSession.week, ProgramSession.day)
    ).all()


# --- programs ---------------------------------------------------------------------------


@pytest.fixture
def odd_exercises(academy, other_academy) -> dict[str, int]:
    """An archived exercise of this academy and a live one of another academy."""
    archived = make_exercise(academy.id, "Retired Drill", archived_at=utcnow())
    foreign = make_exercise(other_academy.id, "Southern Secret")
    return {"archived": archived.id, "foreign": foreign.id}


def _item(body, session=2, item=0) -> dict:
    return body["sessions"][session]["items"][item]


# Each case breaks a valid document in one way and names the path the error must carry.
INVALID_DOCUMENTS = [
    pytest.param(
        lambda b, x: _item(b).update(exercise_id=999_999),
        "sessions[2].items[0].exercise_id",
        id="unknown exercise",
    ),
    pytest.param(
        lambda b, x: _item(b).update(exercise_id=x["archived"]),
        "sessions[2].items[0].exercise_id",
        id="archived exercise",
    ),
    pytest.param(
        lambda b, x: _item(b).update(exercise_id=x["foreign"]),
        "sessions[2].items[0].exercise_id",
        id="another academy's exercise",
    ),
    pytest.param(lambda b, x: b["sessions"][2].update(week=0), "sessions[2].week", id="week 0"),
    pytest.param(lambda b, x: b["sessions"][2].update(day=8), "sessions[2].day", id="day 8"),
    pytest.param(lambda b, x: b["sessions"][2].update(day=0), "sessions[2].day", id="day 0"),
    pytest.param(
        lambda b, x: _item(b).update(side="middle"), "sessions[2].items[0].side", id="side"
    ),
    pytest.param(
        lambda b, x: _item(b).update(stage="cooldown"), "sessions[2].items[0].stage", id="stage"
    ),
    pytest.param(
        lambda b, x: _item(b).update(sets=-1), "sessions[2].items[0].sets", id="negative sets"
    ),
    pytest.param(
        lambda b, x: _item(b).update(hold_seconds=-5),
        "sessions[2].items[0].hold_seconds",
        id="negative hold",
    ),
    pytest.param(
        lambda b, x: _item(b).update(colour="red"), "sessions[2].items[0].colour", id="item field"
    ),
    pytest.param(lambda b, x: b["sessions"][0].update(id=1), "sessions[0].id", id="session id"),
    pytest.param(lambda b, x: b.update(weeks=0), "weeks", id="no weeks"),
    pytest.param(lambda b, x: b.update(weeks=53), "weeks", id="over 52 weeks"),
    pytest.param(lambda b, x: b.update(name=""), "name", id="empty name"),
    pytest.param(lambda b, x: b.pop("name"), "name", id="no name"),
    pytest.param(lambda b, x: b.update(sessions="daily"), "sessions", id="sessions not a list"),
    # Mass assignment: ids, owners, kinds and timestamps never come from a body.
    *(
        pytest.param(lambda b, x, f=field, v=value: b.update({f: v}), field, id=field)
        for field, value in [
            ("id", 77),
            ("academy_id", 2),
            ("kind", "client"),
            ("client_id", 3),
            ("source_program_id", 1),
            ("created_at", "2026-01-01T00:00:00Z"),
            ("updated_at", "2026-01-01T00:00:00Z"),
            ("version", 9),
            ("archived", True),
        ]
    ),
]


class TestCreateProgram:
    def test_a_session_after_the_last_week_lengthens_the_program(self, http, coach, ex):
        body = program_body(ex)
        body["sessions"][2]["week"] = 5

        response = create_program(http, coach, body)

        assert response.status_code == 201
        document = response.get_json()
        assert document["weeks"] == 5
        assert [(s["week"], s["day"]) for s in document["sessions"]] == [(1, 1), (1, 3), (5, 1)]

    def test_a_later_session_of_the_same_week_and_day_replaces_the_earlier(self, http, coach, ex):
        body = program_body(ex)
        body["sessions"][2].update(week=1, day=1)

        response = create_program(http, coach, body)

        assert response.status_code == 201
        document = response.get_json()
        assert [(s["week"], s["day"], s["title"]) for s in document["sessions"]] == [
            (1, 1, "Strength"),
            (1, 3, "Breathe"),
        ]
        assert document["weeks"] == 2

    def test_it_creates_a_template_with_its_sessions_in_order(self, http, coach, ex):
        body = program_body(ex)
        body["sessions"].reverse()  # sessions come back by (week, day), items in list order

        response = create_program(http, coach, body)

        assert response.status_code == 201
        assert response.headers["ETag"] == '"1"'
        document = response.get_json()
        assert document["kind"] == "template" and document["client_id"] is None
        assert (document["name"], document["weeks"], document["archived"]) == (
            "Pelvis to Neutral",
            2,
            False,
        )
        assert document["created_at"].endswith("Z")
        assert without_ids(document["sessions"]) == as_stored(body)
        first = document["sessions"][0]["items"]
        assert [i["exercise_name"] for i in first] == [
            "All 4s Pelvic Tucks",
            "90-90 Breathing, Left Bias (Asymmetric Arm)",
        ]
        # The stage defaults to the exercise's; the side to both.
        assert (first[0]["stage"], first[0]["side"]) == ("position", "both")
        stored = db.session.get(Program, document["id"])
        assert (stored.academy_id, stored.kind, stored.version) == (coach.academy_id, "template", 1)
        assert sessions_in_force(stored.id) == [
            (1, 1, "Find the hamstrings"),
            (1, 3, "Breathe"),
            (2, 1, "Strength"),
        ]
        assert count_rows(ProgramItem) == 4
        positions = db.session.scalars(
            sa.select(ProgramItem.position)
            .where(ProgramItem.session_id == document["sessions"][0]["id"])
            .order_by(ProgramItem.id)
        ).all()
        assert positions == [0, 1]

    def test_a_program_may_start_with_no_sessions(self, http, coach):
        response = create_program(http, coach, {"name": "Blank", "weeks": 4})

        assert response.status_code == 201
        assert response.get_json()["sessions"] == []
        assert count_rows(Program) == 1 and count_rows(ProgramSession) == 0

    def test_it_may_use_the_academys_own_exercises(self, http, coach, academy, ex):
        own = make_exercise(academy.id, "Box Step-Down", video_url="https://v.example/box")
        body = program_body(ex)
        _item(body)["exercise_id"] = own.id

        response = create_program(http, coach, body)

        assert response.status_code == 201
        assert response.get_json()["sessions"][2]["items"][0]["exercise_name"] == "Box Step-Down"

    @pytest.mark.parametrize("mutate, path", INVALID_DOCUMENTS)
    def test_an_invalid_document_names_the_failing_path_and_stores_nothing(
        self, http, coach, ex, odd_exercises, mutate, path
    ):
        body = program_body(ex)
        mutate(body, odd_exercises)

        response = create_program(http, coach, body)

        errors = problem_of(response, 422)["errors"]
        assert path in errors and errors[path][0]
        assert count_rows(Program) == 0
        assert count_rows(ProgramSession) == 0 and count_rows(ProgramItem) == 0

    def test_every_failing_path_is_reported_at_once(self, http, coach, ex):
        body = program_body(ex)
        body["sessions"][0]["day"] = 9
        body["sessions"][2]["week"] = 53
        _item(body, 1)["side"] = "middle"

        response = create_program(http, coach, body)

        errors = problem_of(response, 422)["errors"]
        assert {"sessions[0].day", "sessions[2].week", "sessions[1].items[0].side"} <= set(errors)
        assert count_rows(Program) == 0

    def test_the_messages_say_what_is_wrong(self, http, coach, ex, odd_exercises):
        body = program_body(ex)
        _item(body, 0, 0)["exercise_id"] = 999_999
        _item(body, 2)["exercise_id"] = odd_exercises["archived"]

        errors = problem_of(create_program(http, coach, body), 422)["errors"]

        assert "999999" in errors["sessions[0].items[0].exercise_id"][0]
        assert "archived" in errors["sessions[2].items[0].exercise_id"][0]

    def test_malformed_json_is_400(self, http, coach):
        response = http.post(
            "/api/v1/programs",
            data='{"name": "Broken',
            content_type="application/json",
            headers=coach.headers,
        )

        problem_of(response, 400)
        assert count_rows(Program) == 0

    def test_an_over_large_body_is_413(self, app, http, coach, ex):
        body = program_body(ex, description="x" * app.config["MAX_CONTENT_LENGTH"])

        response = http.post(
            "/api/v1/programs",
            data=json.dumps(body),
            content_type="application/json",
            headers=coach.headers,
        )

        problem_of(response, 413)
        assert count_rows(Program) == 0

    def test_a_client_gets_403(self, http, client_user, ex):
        problem_of(create_program(http, client_user, program_body(ex)), 403)
        assert count_rows(Program) == 0

    def test_it_needs_a_token(self, http, ex):
        problem_of(http.post("/api/v1/programs", json=program_body(ex)), 401)
        assert count_rows(Program) == 0


class TestListPrograms:
    def test_it_lists_the_academys_programs_by_name_with_pagination(
        self, http, coach, other_academy_coach, ex
    ):
        for name in ("Zig Zag", "breathing basics", "Pelvis to Neutral"):
            created(http, coach, program_body(ex, name=name))
        created(http, other_academy_coach, {"name": "Southern Plan", "weeks": 1})

        response = http.get("/api/v1/programs", headers=coach.headers)

        assert response.status_code == 200
        listed = response.get_json()
        assert [p["name"] for p in listed] == ["breathing basics", "Pelvis to Neutral", "Zig Zag"]
        assert "sessions" not in listed[0]
        assert set(listed[0]) == set(ProgramSchema().fields) - {"sessions"}
        pagination = json.loads(response.headers["X-Pagination"])
        assert pagination["total"] == 3 and pagination["total_pages"] == 1

    def test_it_paginates(self, http, coach, ex):
        for name in ("A", "B", "C"):
            created(http, coach, program_body(ex, name=name))

        response = http.get("/api/v1/programs?page=2&page_size=2", headers=coach.headers)

        assert [p["name"] for p in response.get_json()] == ["C"]
        pagination = json.loads(response.headers["X-Pagination"])
        assert pagination == {
            "total": 3,
            "total_pages": 2,
            "first_page": 1,
            "last_page": 2,
            "page": 2,
            "page_size": 2,
            "previous_page": 1,
        }

    def test_q_matches_part_of_the_name_in_any_case(self, http, coach, ex):
        for name in ("Pelvis to Neutral", "Breathing Basics", "100% Hips"):
            created(http, coach, program_body(ex, name=name))

        upper = http.get("/api/v1/programs?q=PELVIS", headers=coach.headers).get_json()
        inner = http.get("/api/v1/programs?q=athing%20bas", headers=coach.headers).get_json()
        percent = http.get("/api/v1/programs?q=0%25", headers=coach.headers).get_json()
        wildcard = http.get("/api/v1/programs?q=_", headers=coach.headers).get_json()

        assert [p["name"] for p in upper] == ["Pelvis to Neutral"]
        assert [p["name"] for p in inner] == ["Breathing Basics"]
        assert [p["name"] for p in percent] == ["100% Hips"]
        assert wildcard == []

    def test_kind_and_client_id_filter(self, http, coach, client_user, other_client_user, ex):
        template = created(http, coach, program_body(ex))
        assigned(http, coach, client_user.id, template["id"])
        assigned(http, coach, other_client_user.id, template["id"])

        def listed(query):
            response = http.get(f"/api/v1/programs?{query}", headers=coach.headers)
            return [(p["kind"], p["client_id"]) for p in response.get_json()]

        assert listed("kind=template") == [("template", None)]
        assert sorted(listed("kind=client")) == [
            ("client", client_user.id),
            ("client", other_client_user.id),
        ]
        assert listed(f"client_id={client_user.id}") == [("client", client_user.id)]
        assert listed(f"kind=template&client_id={client_user.id}") == []

    def test_archived_programs_are_hidden_unless_asked_for(self, http, coach, ex):
        kept = created(http, coach, program_body(ex, name="Kept"))
        gone = created(http, coach, program_body(ex, name="Gone"))
        http.delete(f"/api/v1/programs/{gone['id']}", headers=with_if_match(coach, '"1"'))

        default = http.get("/api/v1/programs", headers=coach.headers).get_json()
        everything = http.get(
            "/api/v1/programs?include_archived=true", headers=coach.headers
        ).get_json()

        assert [p["id"] for p in default] == [kept["id"]]
        assert [(p["name"], p["archived"]) for p in everything] == [
            ("Gone", True),
            ("Kept", False),
        ]

    def test_another_academys_programs_never_appear(self, http, coach, other_academy_coach, ex):
        created(http, coach, program_body(ex))

        response = http.get("/api/v1/programs", headers=other_academy_coach.headers)

        assert response.status_code == 200 and response.get_json() == []

    @pytest.mark.parametrize(
        "query, path",
        [
            ("kind=plan", "query.kind"),
            ("page_size=101", "query.page_size"),
            ("page=0", "query.page"),
            ("client_id=me", "query.client_id"),
            ("include_archived=perhaps", "query.include_archived"),
            ("q=" + "x" * 101, "query.q"),
        ],
    )
    def test_bad_query_parameters_are_422(self, http, coach, query, path):
        response = http.get(f"/api/v1/programs?{query}", headers=coach.headers)

        assert path in problem_of(response, 422)["errors"]

    def test_the_statement_count_does_not_grow_with_the_page(self, app, http, coach, ex):
        for n in range(12):
            created(http, coach, {"name": f"Plan {n:02}", "weeks": 1})

        with app.app_context(), count_statements() as small:
            assert len(http.get("/api/v1/programs?page_size=2", headers=coach.headers).json) == 2
        with app.app_context(), count_statements() as large:
            assert len(http.get("/api/v1/programs?page_size=50", headers=coach.headers).json) == 12

        assert len(small) == len(large) <= 4

    def test_a_client_gets_403(self, http, client_user):
        problem_of(http.get("/api/v1/programs", headers=client_user.headers), 403)

    def test_it_needs_a_token(self, http):
        problem_of(http.get("/api/v1/programs"), 401)


def big_program_body(ex) -> dict:
    """Twelve weeks, three sessions a week, eight items each."""
    items = [{"exercise_id": ex[slug], "sets": 2, "reps": 8} for slug in SLUGS]
    return {
        "name": "Twelve Weeks",
        "weeks": 12,
        "sessions": [
            {"week": week, "day": day, "title": f"W{week}D{day}", "items": items}
            for week in range(1, 13)
            for day in (1, 3, 5)
        ],
    }


def one_session_body(ex) -> dict:
    return {
        "name": "One Session",
        "weeks": 1,
        "sessions": [
            {"week": 1, "day": 1, "items": [{"exercise_id": ex["90-90-breathing"], "breaths": 5}]}
        ],
    }


class TestReadProgram:
    def test_it_reads_the_whole_document_with_an_etag(self, http, coach, ex):
        body = program_body(ex)
        program = created(http, coach, body)

        response = http.get(f"/api/v1/programs/{program['id']}", headers=coach.headers)

        assert response.status_code == 200
        assert response.headers["ETag"] == '"1"'
        document = response.get_json()
        assert document == program
        assert without_ids(document["sessions"]) == as_stored(body)

    def test_the_etag_follows_the_version(self, http, coach, ex):
        program = created(http, coach, program_body(ex))
        put_program(http, coach, program["id"], program_body(ex, name="Renamed"))

        response = http.get(f"/api/v1/programs/{program['id']}", headers=coach.headers)

        assert response.headers["ETag"] == '"2"'
        assert db.session.get(Program, program["id"]).version == 2

    def test_the_body_has_exactly_the_fields_of_the_program_schema(self, http, coach, ex):
        program = created(http, coach, program_body(ex))

        response = http.get(f"/api/v1/programs/{program['id']}", headers=coach.headers)

        assert_shape(response.get_json(), ProgramSchema())

    def test_another_academys_program_is_404(self, http, coach, other_academy_coach, ex):
        program = created(http, coach, program_body(ex))

        response = http.get(
            f"/api/v1/programs/{program['id']}", headers=other_academy_coach.headers
        )

        body = problem_of(response, 404)
        assert "ETag" not in response.headers and "sessions" not in body

    def test_a_missing_program_is_404(self, http, coach):
        problem_of(http.get("/api/v1/programs/999999", headers=coach.headers), 404)

    def test_a_client_gets_403_even_for_their_own_copy(self, http, coach, client_user, ex):
        assigned(http, coach, client_user.id, created(http, coach, program_body(ex))["id"])
        copy_id = client_copy_of(http, coach, client_user.id)["id"]

        response = http.get(f"/api/v1/programs/{copy_id}", headers=client_user.headers)

        problem_of(response, 403)

    def test_it_needs_a_token(self, http, coach, ex):
        program = created(http, coach, program_body(ex))

        problem_of(http.get(f"/api/v1/programs/{program['id']}"), 401)

    def test_the_statement_count_does_not_grow_with_the_program(self, app, http, coach, ex):
        small = created(http, coach, one_session_body(ex))["id"]
        big = created(http, coach, big_program_body(ex))["id"]

        with app.app_context(), count_statements() as small_statements:
            small_body = http.get(f"/api/v1/programs/{small}", headers=coach.headers).json
        with app.app_context(), count_statements() as big_statements:
            big_body = http.get(f"/api/v1/programs/{big}", headers=coach.headers).json

        assert len(small_body["sessions"]) == 1
        assert sum(len(s["items"]) for s in big_body["sessions"]) == 36 * 8
        # The token, the program, its sessions with their items.
        assert len(small_statements) == len(big_statements) <= 3


class TestReplaceProgram:
    def test_it_replaces_the_document_and_bumps_the_version(self, http, coach, ex):
        program = created(http, coach, program_body(ex))
        body = program_body(ex, name="  Pelvis, Then Breath  ", goal="Run tall", weeks=3)
        body["sessions"].append(
            {"week": 3, "day": 7, "title": "Long run", "items": [{"exercise_id": ex["strides"]}]}
        )

        response = put_program(http, coach, program["id"], body)

        assert response.status_code == 200
        assert response.headers["ETag"] == '"2"'
        document = response.get_json()
        assert (document["name"], document["goal"], document["weeks"]) == (
            "Pelvis, Then Breath",
            "Run tall",
            3,
        )
        assert without_ids(document["sessions"]) == as_stored(body)
        stored = snapshot(program["id"])
        assert (stored.version, stored.name, stored.weeks, stored.goal) == (
            2,
            "Pelvis, Then Breath",
            3,
            "Run tall",
        )
        assert sessions_in_force(program["id"])[-1] == (3, 7, "Long run")

    def test_history_survives_the_edit(self, http, coach, ex):
        program = created(http, coach, program_body(ex))
        old = {(s["week"], s["day"]): s for s in program["sessions"]}
        body = program_body(ex)
        body["sessions"][1]["items"][0]["sets"] = 5  # (1, 3) changes
        body["sessions"][2] = {"week": 2, "day": 2, "title": "New day"}  # (2, 1) dropped

        response = put_program(http, coach, program["id"], body)

        assert response.status_code == 200
        new = {(s["week"], s["day"]): s for s in response.get_json()["sessions"]}
        assert sorted(new) == [(1, 1), (1, 3), (2, 2)]
        assert new[(1, 1)]["id"] == old[(1, 1)]["id"]
        assert [i["id"] for i in new[(1, 1)]["items"]] == [i["id"] for i in old[(1, 1)]["items"]]
        assert new[(1, 3)]["id"] != old[(1, 3)]["id"]
        db.session.expire_all()
        kept = db.session.get(ProgramSession, old[(1, 1)]["id"])
        changed = db.session.get(ProgramSession, old[(1, 3)]["id"])
        dropped = db.session.get(ProgramSession, old[(2, 1)]["id"])
        assert kept.retired_at is None
        assert changed.retired_at is not None and dropped.retired_at is not None
        # The retired rows keep the prescription as it was.
        assert [i.sets for i in changed.items] == [4]
        assert [i.reps for i in dropped.items] == [6]
        assert count_rows(ProgramSession, ProgramSession.program_id == program["id"]) == 5
        assert sessions_in_force(program["id"]) == [
            (1, 1, "Find the hamstrings"),
            (1, 3, "Breathe"),
            (2, 2, "New day"),
        ]

    def test_renaming_alone_keeps_every_session(self, http, coach, ex):
        program = created(http, coach, program_body(ex))
        before = snapshot(program["id"])

        response = put_program(http, coach, program["id"], program_body(ex, name="Renamed"))

        assert response.status_code == 200
        assert response.get_json()["sessions"] == program["sessions"]
        after = snapshot(program["id"])
        assert (after.sessions, after.items) == (before.sessions, before.items)
        assert (after.version, after.name) == (2, "Renamed")

    def test_an_archived_exercise_already_in_the_program_may_stay(self, http, coach, academy, ex):
        own = make_exercise(academy.id, "Old Favourite")
        body = program_body(ex)
        _item(body)["exercise_id"] = own.id
        program = created(http, coach, body)
        own.archived_at = utcnow()
        db.session.commit()
        body["sessions"][0]["title"] = "Changed"

        response = put_program(http, coach, program["id"], body)

        assert response.status_code == 200
        assert response.get_json()["sessions"][2]["items"][0]["exercise_id"] == own.id

    @pytest.mark.parametrize("mutate, path", INVALID_DOCUMENTS)
    def test_an_invalid_document_names_the_failing_path_and_changes_nothing(
        self, http, coach, ex, odd_exercises, mutate, path
    ):
        program = created(http, coach, program_body(ex))
        before = snapshot(program["id"])
        body = program_body(ex, name="Changed")
        body["sessions"][0]["title"] = "Changed too"
        mutate(body, odd_exercises)

        response = put_program(http, coach, program["id"], body)

        errors = problem_of(response, 422)["errors"]
        assert path in errors and errors[path][0]
        assert snapshot(program["id"]) == before

    def test_without_if_match_it_is_428_and_nothing_changes(self, http, coach, ex):
        program = created(http, coach, program_body(ex))
        before = snapshot(program["id"])

        response = http.put(
            f"/api/v1/programs/{program['id']}",
            json=program_body(ex, name="Changed"),
            headers=coach.headers,
        )

        problem_of(response, 428)
        assert snapshot(program["id"]) == before

    @pytest.mark.parametrize("etag", ['"0"', '"2"', 'W/"9"', '"abc"'])
    def test_a_stale_if_match_is_412_and_nothing_changes(self, http, coach, ex, etag):
        program = created(http, coach, program_body(ex))
        before = snapshot(program["id"])

        response = put_program(http, coach, program["id"], program_body(ex, name="X"), etag)

        problem_of(response, 412)
        assert snapshot(program["id"]) == before
        assert (before.version, before.name) == (1, "Pelvis to Neutral")

    def test_a_weak_or_wildcard_if_match_is_accepted(self, http, coach, ex):
        program = created(http, coach, program_body(ex))

        weak = put_program(http, coach, program["id"], program_body(ex, name="B"), 'W/"1"')
        star = put_program(http, coach, program["id"], program_body(ex, name="C"), "*")

        assert (weak.status_code, star.status_code) == (200, 200)
        stored = snapshot(program["id"])
        assert (stored.version, stored.name) == (3, "C")

    def test_an_archived_program_is_409(self, http, coach, ex):
        program = created(http, coach, program_body(ex))
        http.delete(f"/api/v1/programs/{program['id']}", headers=with_if_match(coach, '"1"'))
        before = snapshot(program["id"])

        response = put_program(http, coach, program["id"], program_body(ex, name="X"), '"2"')

        problem_of(response, 409)
        assert snapshot(program["id"]) == before

    def test_another_academys_program_is_404(self, http, coach, other_academy_coach, ex):
        program = created(http, coach, program_body(ex))
        before = snapshot(program["id"])

        response = put_program(
            http, other_academy_coach, program["id"], {"name": "Stolen", "weeks": 1}
        )

        problem_of(response, 404)
        assert snapshot(program["id"]) == before

    def test_a_client_gets_403(self, http, coach, client_user, ex):
        program = created(http, coach, program_body(ex))
        before = snapshot(program["id"])

        response = put_program(http, client_user, program["id"], program_body(ex, name="Mine"))

        problem_of(response, 403)
        assert snapshot(program["id"]) == before

    def test_it_needs_a_token(self, http, coach, ex):
        program = created(http, coach, program_body(ex))

        response = http.put(
            f"/api/v1/programs/{program['id']}", json=program_body(ex), headers={"If-Match": '"1"'}
        )

        problem_of(response, 401)
        assert snapshot(program["id"]).version == 1

    def test_a_template_edited_after_assignment_leaves_the_clients_copy_alone(
        self, http, coach, client_user, ex
    ):
        template = created(http, coach, program_body(ex))
        assignment = assigned(http, coach, client_user.id, template["id"])
        copy_id = assignment["program"]["id"]
        copy_before = http.get(f"/api/v1/programs/{copy_id}", headers=coach.headers)
        stored_before = snapshot(copy_id)
        edited = program_body(ex, name="Template v2")
        edited["sessions"][1]["items"][0]["sets"] = 9

        response = put_program(http, coach, template["id"], edited)

        assert response.status_code == 200
        copy_after = http.get(f"/api/v1/programs/{copy_id}", headers=coach.headers)
        assert copy_after.get_json() == copy_before.get_json()
        assert copy_after.headers["ETag"] == '"1"'
        assert snapshot(copy_id) == stored_before
        mine = http.get(f"/api/v1/me/assignments/{assignment['id']}", headers=client_user.headers)
        assert mine.get_json()["program"]["name"] == "Pelvis to Neutral"
        assert mine.get_json()["sessions"][1]["items"][0]["sets"] == 4

    def test_the_clients_copy_can_be_tailored_without_touching_the_template(
        self, http, coach, client_user, ex
    ):
        template = created(http, coach, program_body(ex))
        assignment = assigned(http, coach, client_user.id, template["id"])
        copy_ = client_copy_of(http, coach, client_user.id)
        template_before = snapshot(template["id"])
        tailored = program_body(ex, name="Pelvis to Neutral (Cliff)")
        tailored["sessions"][1]["items"][0].update(
            exercise_id=ex["90-90-breathing-left-bias"], side="left_bias"
        )

        response = put_program(http, coach, copy_["id"], tailored)

        assert response.status_code == 200
        body = response.get_json()
        assert (body["kind"], body["client_id"]) == ("client", client_user.id)
        assert body["source_program_id"] == template["id"]
        assert snapshot(template["id"]) == template_before
        template_now = http.get(f"/api/v1/programs/{template['id']}", headers=coach.headers)
        assert template_now.get_json() == template
        mine = http.get(
            f"/api/v1/me/assignments/{assignment['id']}", headers=client_user.headers
        ).get_json()
        assert mine["program"]["name"] == "Pelvis to Neutral (Cliff)"
        assert mine["sessions"][1]["items"][0]["side"] == "left_bias"

    def test_of_two_writers_holding_the_same_version_exactly_one_succeeds(
        self, app, http, coach, ex
    ):
        program_id = created(http, coach, program_body(ex))["id"]
        writers = {
            "A": program_body(ex, name="Writer A", weeks=1),
            "B": program_body(ex, name="Writer B", weeks=2),
        }
        writers["A"]["sessions"] = [
            {"week": 1, "day": d, "title": f"A{d}", "items": [{"exercise_id": ex["strides"]}]}
            for d in (2, 4, 6)
        ]
        writers["B"]["sessions"][0]["title"] = "B changed this"

        # Several rounds, so that the writers also meet inside the UPDATE, not only
        # at the version check before it.
        for round_ in range(1, 6):
            etag = etag_of(http, coach, f"/api/v1/programs/{program_id}")
            assert etag == f'"{round_}"'
            barrier = threading.Barrier(len(writers))
            answers: dict[str, tuple[int, dict]] = {}

            def write(name, etag=etag, barrier=barrier, answers=answers):
                client = app.test_client()  # its own request, app context and session
                barrier.wait()
                response = put_program(client, coach, program_id, writers[name], etag)
                answers[name] = (response.status_code, response.get_json())

            threads = [threading.Thread(target=write, args=(name,)) for name in writers]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)

            statuses = sorted(status for status, _ in answers.values())
            assert statuses == [200, 412], answers
            winner = next(name for name, (status, _) in answers.items() if status == 200)
            loser = next(name for name in writers if name != winner)
            assert answers[loser][1]["status"] == 412
            db.session.expire_all()
            stored = db.session.get(Program, program_id)
            assert (stored.name, stored.weeks, stored.version) == (
                f"Writer {winner}",
                writers[winner]["weeks"],
                round_ + 1,
            )
            # Exactly one set of sessions in force: the winner's, none of the loser's.
            assert sessions_in_force(program_id) == [
                (s["week"], s["day"], s.get("title", "")) for s in as_stored(writers[winner])
            ]
            document = http.get(f"/api/v1/programs/{program_id}", headers=coach.headers).json
            assert without_ids(document["sessions"]) == as_stored(writers[winner])


class TestArchiveProgram:
    def test_it_archives_the_program(self, http, coach, ex):
        program = created(http, coach, program_body(ex))

        response = http.delete(
            f"/api/v1/programs/{program['id']}", headers=with_if_match(coach, '"1"')
        )

        assert response.status_code == 204 and response.get_data() == b""
        db.session.expire_all()
        stored = db.session.get(Program, program["id"])
        assert stored.archived_at is not None and stored.version == 2
        # History stays: the document is still there, only marked.
        read = http.get(f"/api/v1/programs/{program['id']}", headers=coach.headers)
        assert read.get_json()["archived"] is True
        assert read.get_json()["sessions"] == program["sessions"]
        assert http.get("/api/v1/programs", headers=coach.headers).get_json() == []

    def test_assignments_made_from_it_go_on(self, http, coach, client_user, ex):
        program = created(http, coach, program_body(ex))
        assignment = assigned(http, coach, client_user.id, program["id"])

        http.delete(f"/api/v1/programs/{program['id']}", headers=with_if_match(coach, '"1"'))

        mine = http.get(f"/api/v1/me/assignments/{assignment['id']}", headers=client_user.headers)
        assert mine.status_code == 200 and len(mine.get_json()["sessions"]) == 3
        assert db.session.get(Assignment, assignment["id"]).status == "active"

    def test_without_if_match_it_is_428_and_nothing_changes(self, http, coach, ex):
        program = created(http, coach, program_body(ex))
        before = snapshot(program["id"])

        problem_of(http.delete(f"/api/v1/programs/{program['id']}", headers=coach.headers), 428)
        assert snapshot(program["id"]) == before

    def test_a_stale_if_match_is_412_and_nothing_changes(self, http, coach, ex):
        program = created(http, coach, program_body(ex))
        before = snapshot(program["id"])

        response = http.delete(
            f"/api/v1/programs/{program['id']}", headers=with_if_match(coach, '"3"')
        )

        problem_of(response, 412)
        assert snapshot(program["id"]) == before

    def test_another_academys_program_is_404(self, http, coach, other_academy_coach, ex):
        program = created(http, coach, program_body(ex))
        before = snapshot(program["id"])

        response = http.delete(
            f"/api/v1/programs/{program['id']}", headers=with_if_match(other_academy_coach, '"1"')
        )

        problem_of(response, 404)
        assert snapshot(program["id"]) == before

    def test_a_client_gets_403(self, http, coach, client_user, ex):
        program = created(http, coach, program_body(ex))

        response = http.delete(
            f"/api/v1/programs/{program['id']}", headers=with_if_match(client_user, '"1"')
        )

        problem_of(response, 403)
        assert snapshot(program["id"]).archived_at is None

    def test_it_needs_a_token(self, http, coach, ex):
        program = created(http, coach, program_body(ex))

        problem_of(
            http.delete(f"/api/v1/programs/{program['id']}", headers={"If-Match": '"1"'}), 401
        )
        assert snapshot(program["id"]).archived_at is None


class TestCopyProgram:
    def test_it_copies_a_program_into_a_new_template(self, http, coach, ex):
        source = created(http, coach, program_body(ex))

        response = http.post(
            f"/api/v1/programs/{source['id']}/copy", json={}, headers=coach.headers
        )

        assert response.status_code == 201
        assert response.headers["ETag"] == '"1"'
        copied = response.get_json()
        assert copied["id"] != source["id"]
        assert (copied["name"], copied["kind"], copied["source_program_id"]) == (
            "Pelvis to Neutral (copy)",
            "template",
            source["id"],
        )
        assert without_ids(copied["sessions"]) == without_ids(source["sessions"])
        assert {s["id"] for s in copied["sessions"]}.isdisjoint(s["id"] for s in source["sessions"])
        assert count_rows(Program) == 2
        assert count_rows(ProgramSession) == 6 and count_rows(ProgramItem) == 8
        assert snapshot(source["id"]).version == 1

    def test_it_takes_a_new_name(self, http, coach, ex):
        source = created(http, coach, program_body(ex))

        response = http.post(
            f"/api/v1/programs/{source['id']}/copy",
            json={"name": "For Spring"},
            headers=coach.headers,
        )

        assert response.get_json()["name"] == "For Spring"
        assert db.session.get(Program, response.get_json()["id"]).name == "For Spring"

    def test_an_archived_program_can_be_copied_back_to_life(self, http, coach, ex):
        source = created(http, coach, program_body(ex))
        http.delete(f"/api/v1/programs/{source['id']}", headers=with_if_match(coach, '"1"'))

        response = http.post(
            f"/api/v1/programs/{source['id']}/copy", json={}, headers=coach.headers
        )

        assert response.status_code == 201
        assert response.get_json()["archived"] is False

    @pytest.mark.parametrize(
        "body, path",
        [
            ({"name": ""}, "name"),
            ({"name": "x" * 201}, "name"),
            ({"weeks": 3}, "weeks"),
            ({"kind": "client"}, "kind"),
            ({"client_id": 5}, "client_id"),
            ({"id": 5}, "id"),
        ],
    )
    def test_bad_input_is_422_and_stores_nothing(self, http, coach, ex, body, path):
        source = created(http, coach, program_body(ex))

        response = http.post(
            f"/api/v1/programs/{source['id']}/copy", json=body, headers=coach.headers
        )

        assert path in problem_of(response, 422)["errors"]
        assert count_rows(Program) == 1 and count_rows(ProgramSession) == 3

    def test_another_academys_program_is_404(self, http, coach, other_academy_coach, ex):
        source = created(http, coach, program_body(ex))

        response = http.post(
            f"/api/v1/programs/{source['id']}/copy", json={}, headers=other_academy_coach.headers
        )

        problem_of(response, 404)
        assert count_rows(Program) == 1

    def test_a_client_gets_403(self, http, coach, client_user, ex):
        source = created(http, coach, program_body(ex))

        response = http.post(
            f"/api/v1/programs/{source['id']}/copy", json={}, headers=client_user.headers
        )

        problem_of(response, 403)
        assert count_rows(Program) == 1

    def test_it_needs_a_token(self, http, coach, ex):
        source = created(http, coach, program_body(ex))

        problem_of(http.post(f"/api/v1/programs/{source['id']}/copy", json={}), 401)
        assert count_rows(Program) == 1


# --- assignments ------------------------------------------------------------------------


class TestAssignProgram:
    def test_it_assigns_a_copy_of_the_program(self, http, coach, client_user, ex):
        template = created(http, coach, program_body(ex))

        response = assign(http, coach, client_user.id, template["id"], notes="Easy first week")

        assert response.status_code == 201
        assert response.headers["ETag"] == '"1"'
        body = response.get_json()
        copy_id = body["program"]["id"]
        assert copy_id != template["id"]
        assert body["program"] == {"id": copy_id, "name": "Pelvis to Neutral", "weeks": 2}
        assert (body["client_id"], body["template_id"], body["status"]) == (
            client_user.id,
            template["id"],
            "active",
        )
        assert (body["start_date"], body["end_date"]) == (START, "2026-03-22")
        assert body["notes"] == "Easy first week"
        stored = db.session.get(Assignment, body["id"])
        assert (stored.academy_id, stored.program_id, stored.version) == (
            coach.academy_id,
            copy_id,
            1,
        )
        program = db.session.get(Program, copy_id)
        assert (program.kind, program.client_id, program.source_program_id) == (
            "client",
            client_user.id,
            template["id"],
        )
        copy_document = http.get(f"/api/v1/programs/{copy_id}", headers=coach.headers).json
        assert without_ids(copy_document["sessions"]) == without_ids(template["sessions"])

    def test_it_writes_nothing_when_it_fails_after_the_copy(
        self, http, coach, client_user, ex, monkeypatch
    ):
        template = created(http, coach, program_body(ex))

        def broken(**_):
            raise RuntimeError("the database went away")

        monkeypatch.setattr("academy.programs.service.Assignment", broken)

        response = assign(http, coach, client_user.id, template["id"])

        problem_of(response, 500)
        # One request, one transaction: no orphaned client copy is left behind.
        assert count_rows(Program) == 1 and count_rows(ProgramSession) == 3
        assert count_rows(Assignment) == 0

    def test_assigning_a_client_copy_keeps_the_template(self, http, coach, client_user, ex):
        template = created(http, coach, program_body(ex))
        first = assigned(http, coach, client_user.id, template["id"])

        response = assign(http, coach, client_user.id, first["program"]["id"], "2026-04-06")

        assert response.status_code == 201
        assert response.get_json()["template_id"] == template["id"]
        assert count_rows(Program, Program.kind == "client") == 2

    @pytest.mark.parametrize(
        "changes, path",
        [
            ({"program_id": None}, "program_id"),
            ({"program_id": "first"}, "program_id"),
            ({"start_date": "next monday"}, "start_date"),
            ({"start_date": "2026-02-30"}, "start_date"),
            ({"notes": "x" * 2001}, "notes"),
            ({"status": "paused"}, "status"),
            ({"client_id": 3}, "client_id"),
            ({"academy_id": 3}, "academy_id"),
            ({"id": 3}, "id"),
            ({"version": 3}, "version"),
            ({"created_at": "2026-01-01T00:00:00Z"}, "created_at"),
        ],
    )
    def test_bad_input_is_422_and_stores_nothing(self, http, coach, client_user, ex, changes, path):
        template = created(http, coach, program_body(ex))
        body = {"program_id": template["id"], "start_date": START, **changes}

        response = http.post(
            f"/api/v1/clients/{client_user.id}/assignments", json=body, headers=coach.headers
        )

        assert path in problem_of(response, 422)["errors"]
        assert count_rows(Assignment) == 0 and count_rows(Program) == 1

    def test_missing_fields_are_named(self, http, coach, client_user):
        response = http.post(
            f"/api/v1/clients/{client_user.id}/assignments", json={}, headers=coach.headers
        )

        assert {"program_id", "start_date"} <= set(problem_of(response, 422)["errors"])

    def test_an_archived_program_cannot_be_assigned(self, http, coach, client_user, ex):
        template = created(http, coach, program_body(ex))
        http.delete(f"/api/v1/programs/{template['id']}", headers=with_if_match(coach, '"1"'))

        response = assign(http, coach, client_user.id, template["id"])

        assert "program_id" in problem_of(response, 422)["errors"]
        assert count_rows(Assignment) == 0 and count_rows(Program) == 1

    def test_another_academys_program_is_422_naming_program_id(
        self, http, coach, other_academy_coach, client_user, ex
    ):
        theirs = created(http, other_academy_coach, {"name": "Southern Plan", "weeks": 1})

        response = assign(http, coach, client_user.id, theirs["id"])

        assert "program_id" in problem_of(response, 422)["errors"]
        assert count_rows(Assignment) == 0 and count_rows(Program) == 1

    def test_an_unknown_program_is_422_naming_program_id(self, http, coach, client_user):
        response = assign(http, coach, client_user.id, 999_999)

        assert "program_id" in problem_of(response, 422)["errors"]
        assert count_rows(Assignment) == 0

    def test_another_academys_client_is_404(self, http, coach, other_academy_client, ex):
        template = created(http, coach, program_body(ex))

        response = assign(http, coach, other_academy_client.id, template["id"])

        problem_of(response, 404)
        assert count_rows(Assignment) == 0 and count_rows(Program) == 1

    def test_a_coach_is_not_a_client(self, http, coach, owner, ex):
        template = created(http, coach, program_body(ex))

        problem_of(assign(http, coach, owner.id, template["id"]), 404)
        assert count_rows(Assignment) == 0

    def test_an_archived_client_is_409(self, http, coach, client_user, ex):
        template = created(http, coach, program_body(ex))
        http.delete(f"/api/v1/clients/{client_user.id}", headers=with_if_match(coach, '"1"'))

        response = assign(http, coach, client_user.id, template["id"])

        problem_of(response, 409)
        assert count_rows(Assignment) == 0 and count_rows(Program) == 1

    def test_a_client_gets_403(self, http, coach, client_user, ex):
        template = created(http, coach, program_body(ex))

        problem_of(assign(http, client_user, client_user.id, template["id"]), 403)
        assert count_rows(Assignment) == 0

    def test_it_needs_a_token(self, http, coach, client_user, ex):
        template = created(http, coach, program_body(ex))

        response = http.post(
            f"/api/v1/clients/{client_user.id}/assignments",
            json={"program_id": template["id"], "start_date": START},
        )

        problem_of(response, 401)
        assert count_rows(Assignment) == 0


class TestListClientAssignments:
    def test_it_lists_the_clients_assignments_newest_start_first(
        self, http, coach, client_user, other_client_user, ex
    ):
        template = created(http, coach, program_body(ex))
        older = assigned(http, coach, client_user.id, template["id"], "2026-01-05")
        newer = assigned(http, coach, client_user.id, template["id"], "2026-03-02")
        assigned(http, coach, other_client_user.id, template["id"])

        response = http.get(f"/api/v1/clients/{client_user.id}/assignments", headers=coach.headers)

        assert response.status_code == 200
        assert response.get_json() == [newer, older]
        assert json.loads(response.headers["X-Pagination"])["total"] == 2

    def test_it_paginates(self, http, coach, client_user, ex):
        template = created(http, coach, program_body(ex))
        for start in ("2026-01-05", "2026-02-02", "2026-03-02"):
            assigned(http, coach, client_user.id, template["id"], start)

        response = http.get(
            f"/api/v1/clients/{client_user.id}/assignments?page=3&page_size=1",
            headers=coach.headers,
        )

        assert [a["start_date"] for a in response.get_json()] == ["2026-01-05"]
        assert json.loads(response.headers["X-Pagination"])["total_pages"] == 3

    def test_page_size_over_100_is_422(self, http, coach, client_user):
        response = http.get(
            f"/api/v1/clients/{client_user.id}/assignments?page_size=101", headers=coach.headers
        )

        assert "query.page_size" in problem_of(response, 422)["errors"]

    def test_another_academys_client_is_404(self, http, other_academy_coach, client_user):
        response = http.get(
            f"/api/v1/clients/{client_user.id}/assignments", headers=other_academy_coach.headers
        )

        problem_of(response, 404)

    def test_a_client_gets_403_even_for_themself(self, http, client_user):
        response = http.get(
            f"/api/v1/clients/{client_user.id}/assignments", headers=client_user.headers
        )

        problem_of(response, 403)

    def test_it_needs_a_token(self, http, client_user):
        problem_of(http.get(f"/api/v1/clients/{client_user.id}/assignments"), 401)


@pytest.fixture
def assignment(http, coach, client_user, ex) -> dict:
    """Cliff's assignment of the four-day program, from Monday 9 March 2026."""
    template = created(http, coach, four_day_body(ex))
    return assigned(http, coach, client_user.id, template["id"])


def stored_assignment(assignment_id: int) -> tuple:
    db.session.expire_all()
    row = db.session.get(Assignment, assignment_id)
    return row.status, row.start_date, row.notes, row.version


class TestReadAssignment:
    def test_it_reads_an_assignment_with_an_etag(self, http, coach, assignment):
        response = http.get(f"/api/v1/assignments/{assignment['id']}", headers=coach.headers)

        assert response.status_code == 200
        assert response.headers["ETag"] == '"1"'
        assert response.get_json() == assignment

    def test_the_etag_follows_the_version(self, http, coach, assignment):
        patch_assignment(http, coach, assignment["id"], {"notes": "Go easy"})

        response = http.get(f"/api/v1/assignments/{assignment['id']}", headers=coach.headers)

        assert response.headers["ETag"] == '"2"'
        assert response.get_json()["notes"] == "Go easy"

    def test_another_academys_assignment_is_404(self, http, other_academy_coach, assignment):
        response = http.get(
            f"/api/v1/assignments/{assignment['id']}", headers=other_academy_coach.headers
        )

        problem_of(response, 404)
        assert "ETag" not in response.headers

    def test_a_missing_assignment_is_404(self, http, coach):
        problem_of(http.get("/api/v1/assignments/999999", headers=coach.headers), 404)

    def test_a_client_gets_403_even_for_their_own(self, http, client_user, assignment):
        response = http.get(f"/api/v1/assignments/{assignment['id']}", headers=client_user.headers)

        problem_of(response, 403)

    def test_it_needs_a_token(self, http, assignment):
        problem_of(http.get(f"/api/v1/assignments/{assignment['id']}"), 401)


class TestUpdateAssignment:
    def test_it_pauses_resumes_and_completes(self, http, coach, assignment):
        etag = '"1"'
        for status in ("paused", "active", "paused", "completed"):
            response = patch_assignment(http, coach, assignment["id"], {"status": status}, etag)

            assert response.status_code == 200, response.get_json()
            assert response.get_json()["status"] == status
            etag = response.headers["ETag"]

        assert etag == '"5"'
        status, _, _, version = stored_assignment(assignment["id"])
        assert (status, version) == ("completed", 5)

    @pytest.mark.parametrize("start", ["active", "paused"])
    def test_it_cancels_from_active_or_paused(self, http, coach, assignment, start):
        etag = '"1"'
        if start == "paused":
            etag = patch_assignment(http, coach, assignment["id"], {"status": "paused"}).headers[
                "ETag"
            ]

        response = patch_assignment(http, coach, assignment["id"], {"status": "cancelled"}, etag)

        assert response.status_code == 200
        assert stored_assignment(assignment["id"])[0] == "cancelled"

    @pytest.mark.parametrize(
        "final, target",
        [
            ("completed", "active"),
            ("completed", "paused"),
            ("completed", "cancelled"),
            ("cancelled", "active"),
            ("cancelled", "paused"),
            ("cancelled", "completed"),
        ],
    )
    def test_leaving_a_final_status_is_409_and_changes_nothing(
        self, http, coach, assignment, final, target
    ):
        patch_assignment(http, coach, assignment["id"], {"status": final})
        before = stored_assignment(assignment["id"])

        response = patch_assignment(
            http, coach, assignment["id"], {"status": target, "notes": "Again"}, '"2"'
        )

        body = problem_of(response, 409)
        assert final in body["detail"] and target in body["detail"]
        assert "status" in body["errors"]
        assert stored_assignment(assignment["id"]) == before == (final, date(2026, 3, 9), "", 2)

    def test_a_new_start_date_moves_the_schedule(self, http, coach, client_user, assignment):
        mine = f"/api/v1/me/assignments/{assignment['id']}"
        before = http.get(mine, headers=client_user.headers).get_json()

        response = patch_assignment(http, coach, assignment["id"], {"start_date": "2026-03-16"})

        assert response.status_code == 200
        assert (response.get_json()["start_date"], response.get_json()["end_date"]) == (
            "2026-03-16",
            "2026-03-29",
        )
        after = http.get(mine, headers=client_user.headers).get_json()
        assert [s["date"] for s in before["sessions"]] == [
            "2026-03-09",
            "2026-03-10",
            "2026-03-11",
            "2026-03-16",
        ]
        assert [s["date"] for s in after["sessions"]] == [
            "2026-03-16",
            "2026-03-17",
            "2026-03-18",
            "2026-03-23",
        ]
        assert (after["start_date"], after["end_date"]) == ("2026-03-16", "2026-03-29")
        assert stored_assignment(assignment["id"])[1] == date(2026, 3, 16)

    def test_a_final_assignment_keeps_its_start_date(self, http, coach, assignment):
        patch_assignment(http, coach, assignment["id"], {"status": "completed"})

        response = patch_assignment(
            http, coach, assignment["id"], {"start_date": "2026-04-06"}, '"2"'
        )

        problem_of(response, 409)
        assert stored_assignment(assignment["id"])[:2] == ("completed", date(2026, 3, 9))

    @pytest.mark.parametrize(
        "body, path",
        [
            ({"status": "deleted"}, "status"),
            ({"start_date": "soon"}, "start_date"),
            ({"notes": "x" * 2001}, "notes"),
            ({"program_id": 1}, "program_id"),
            ({"client_id": 1}, "client_id"),
            ({"id": 1}, "id"),
            ({"version": 7}, "version"),
            ({"updated_at": "2026-01-01T00:00:00Z"}, "updated_at"),
        ],
    )
    def test_bad_input_is_422_and_changes_nothing(self, http, coach, assignment, body, path):
        response = patch_assignment(http, coach, assignment["id"], body)

        assert path in problem_of(response, 422)["errors"]
        assert stored_assignment(assignment["id"]) == ("active", date(2026, 3, 9), "", 1)

    def test_without_if_match_it_is_428_and_nothing_changes(self, http, coach, assignment):
        response = http.patch(
            f"/api/v1/assignments/{assignment['id']}",
            json={"status": "paused"},
            headers=coach.headers,
        )

        problem_of(response, 428)
        assert stored_assignment(assignment["id"]) == ("active", date(2026, 3, 9), "", 1)

    def test_a_stale_if_match_is_412_and_nothing_changes(self, http, coach, assignment):
        response = patch_assignment(http, coach, assignment["id"], {"status": "paused"}, '"2"')

        problem_of(response, 412)
        assert stored_assignment(assignment["id"]) == ("active", date(2026, 3, 9), "", 1)

    def test_another_academys_assignment_is_404(self, http, other_academy_coach, assignment):
        response = patch_assignment(
            http, other_academy_coach, assignment["id"], {"status": "cancelled"}
        )

        problem_of(response, 404)
        assert stored_assignment(assignment["id"]) == ("active", date(2026, 3, 9), "", 1)

    def test_a_client_gets_403(self, http, client_user, assignment):
        response = patch_assignment(http, client_user, assignment["id"], {"status": "completed"})

        problem_of(response, 403)
        assert stored_assignment(assignment["id"])[0] == "active"

    def test_it_needs_a_token(self, http, assignment):
        response = http.patch(
            f"/api/v1/assignments/{assignment['id']}",
            json={"status": "paused"},
            headers={"If-Match": '"1"'},
        )

        problem_of(response, 401)
        assert stored_assignment(assignment["id"])[0] == "active"


# --- the client app ---------------------------------------------------------------------


class TestMyAssignments:
    def test_a_client_sees_only_their_own(self, http, coach, client_user, other_client_user, ex):
        template = created(http, coach, program_body(ex))
        older = assigned(http, coach, client_user.id, template["id"], "2026-01-05")
        newer = assigned(http, coach, client_user.id, template["id"], "2026-03-02")
        assigned(http, coach, other_client_user.id, template["id"])

        response = http.get("/api/v1/me/assignments", headers=client_user.headers)

        assert response.status_code == 200
        assert response.get_json() == [newer, older]
        assert json.loads(response.headers["X-Pagination"])["total"] == 2
        others = http.get("/api/v1/me/assignments", headers=other_client_user.headers).get_json()
        assert [a["client_id"] for a in others] == [other_client_user.id]

    def test_a_client_with_no_assignment_gets_an_empty_list(self, http, client_user):
        response = http.get("/api/v1/me/assignments", headers=client_user.headers)

        assert response.status_code == 200 and response.get_json() == []

    def test_another_academys_client_sees_none_of_ours(
        self, http, other_academy_client, assignment
    ):
        response = http.get("/api/v1/me/assignments", headers=other_academy_client.headers)

        assert response.get_json() == []

    def test_page_size_over_100_is_422(self, http, client_user):
        response = http.get("/api/v1/me/assignments?page_size=101", headers=client_user.headers)

        assert "query.page_size" in problem_of(response, 422)["errors"]

    def test_a_coach_gets_403(self, http, coach):
        problem_of(http.get("/api/v1/me/assignments", headers=coach.headers), 403)

    def test_it_needs_a_token(self, http):
        problem_of(http.get("/api/v1/me/assignments"), 401)


def check_in(client, assignment_id, session_id, on, completed=True) -> None:
    db.session.add(
        CheckIn(
            academy_id=client.academy_id,
            client_id=client.id,
            date=date.fromisoformat(on),
            assignment_id=assignment_id,
            session_id=session_id,
            completed=completed,
        )
    )
    db.session.commit()


class TestMyAssignmentById:
    def test_it_dates_every_session_and_gives_its_status(
        self, http, client_user, assignment, freeze_now
    ):
        freeze_now(NOW)
        url = f"/api/v1/me/assignments/{assignment['id']}"
        sessions = http.get(url, headers=client_user.headers).get_json()["sessions"]
        check_in(client_user, assignment["id"], sessions[0]["id"], "2026-03-09", completed=False)
        check_in(client_user, assignment["id"], sessions[1]["id"], "2026-03-10")

        response = http.get(url, headers=client_user.headers)

        assert response.status_code == 200
        body = response.get_json()
        assert (body["id"], body["status"], body["today"]) == (
            assignment["id"],
            "active",
            "2026-03-11",
        )
        assert (body["start_date"], body["end_date"]) == (START, "2026-03-22")
        assert body["program"] == {
            "id": assignment["program"]["id"],
            "name": "Four Days",
            "weeks": 2,
        }
        assert [(s["title"], s["date"], s["status"]) for s in body["sessions"]] == [
            ("Monday", "2026-03-09", "missed"),  # checked in, but not completed
            ("Tuesday", "2026-03-10", "done"),
            ("Wednesday", "2026-03-11", "today"),
            ("Next Monday", "2026-03-16", "upcoming"),
        ]
        assert [len(s["items"]) for s in body["sessions"]] == [1, 2, 1, 1]
        assert body["sessions"][0]["items"][0]["exercise_name"] == "90-90 Breathing"

    def test_a_done_session_stays_done_after_the_coach_edits_it(
        self, http, coach, client_user, assignment, ex, freeze_now
    ):
        freeze_now(NOW)
        url = f"/api/v1/me/assignments/{assignment['id']}"
        tuesday = http.get(url, headers=client_user.headers).json["sessions"][1]
        check_in(client_user, assignment["id"], tuesday["id"], "2026-03-10")
        tailored = four_day_body(ex)
        tailored["sessions"][1]["title"] = "Tuesday, easier"
        put_program(http, coach, assignment["program"]["id"], tailored)

        response = http.get(url, headers=client_user.headers)

        now_tuesday = response.get_json()["sessions"][1]
        assert (now_tuesday["title"], now_tuesday["status"]) == ("Tuesday, easier", "done")
        assert now_tuesday["id"] != tuesday["id"]
        # The check-in still points at the session as it was prescribed.
        db.session.expire_all()
        assert db.session.get(ProgramSession, tuesday["id"]).title == "Tuesday"
        assert db.session.scalar(sa.select(CheckIn.session_id)) == tuesday["id"]

    def test_today_follows_the_clients_timezone(self, http, coach, academy, ex, freeze_now):
        kiwi = sign_in(
            make_user(academy, "client", "Kiri", "kiri@north.test", timezone="Pacific/Auckland")
        )
        template = created(http, coach, four_day_body(ex))
        mine = assigned(http, coach, kiwi.id, template["id"])
        freeze_now("2026-03-10T23:30:00Z")

        body = http.get(f"/api/v1/me/assignments/{mine['id']}", headers=kiwi.headers).json

        assert body["today"] == "2026-03-11"
        assert [s["status"] for s in body["sessions"]] == ["missed", "missed", "today", "upcoming"]

    def test_the_body_has_exactly_the_fields_of_its_schema(self, http, client_user, assignment):
        response = http.get(
            f"/api/v1/me/assignments/{assignment['id']}", headers=client_user.headers
        )

        assert_shape(response.get_json(), ClientAssignmentSchema())

    def test_another_clients_assignment_is_404(self, http, other_client_user, assignment):
        response = http.get(
            f"/api/v1/me/assignments/{assignment['id']}", headers=other_client_user.headers
        )

        body = problem_of(response, 404)
        assert "sessions" not in body

    def test_another_academys_client_gets_404(self, http, other_academy_client, assignment):
        response = http.get(
            f"/api/v1/me/assignments/{assignment['id']}", headers=other_academy_client.headers
        )

        problem_of(response, 404)

    @pytest.mark.parametrize("assignment_id", ["999999", "first"])
    def test_a_missing_or_malformed_id_is_404(self, http, client_user, assignment_id):
        response = http.get(f"/api/v1/me/assignments/{assignment_id}", headers=client_user.headers)

        problem_of(response, 404)

    def test_a_coach_gets_403(self, http, coach, assignment):
        response = http.get(f"/api/v1/me/assignments/{assignment['id']}", headers=coach.headers)

        problem_of(response, 403)

    def test_it_needs_a_token(self, http, assignment):
        problem_of(http.get(f"/api/v1/me/assignments/{assignment['id']}"), 401)

    def test_the_statement_count_does_not_grow_with_the_program(
        self, app, http, coach, client_user, ex, freeze_now
    ):
        freeze_now(NOW)
        # The small plan's one session is today, so both have sessions ahead to guard.
        small = assigned(
            http,
            coach,
            client_user.id,
            created(http, coach, one_session_body(ex))["id"],
            "2026-03-11",
        )
        big = assigned(
            http, coach, client_user.id, created(http, coach, big_program_body(ex))["id"]
        )
        check_in(client_user, big["id"], None, "2026-03-09")

        with app.app_context(), count_statements() as small_statements:
            small_body = http.get(
                f"/api/v1/me/assignments/{small['id']}", headers=client_user.headers
            ).json
        with app.app_context(), count_statements() as big_statements:
            big_body = http.get(
                f"/api/v1/me/assignments/{big['id']}", headers=client_user.headers
            ).json

        assert len(small_body["sessions"]) == 1 and len(big_body["sessions"]) == 36
        # The token, the assignment with its program, the sessions, the check-ins; the
        # safety rules' latest assessment and recent pain ratings.
        assert len(small_statements) == len(big_statements) <= 6


class TestMyToday:
    def test_it_gives_todays_sessions_with_cues_and_video(
        self, http, coach, client_user, academy, ex, freeze_now
    ):
        freeze_now(NOW)
        own = make_exercise(
            academy.id,
            "Wall Lean March",
            cues=["Lean into the wall.", "Drive the knee."],
            video_url="https://videos.example/wall-lean-march",
        )
        body = four_day_body(ex)
        body["sessions"][2]["items"].append({"exercise_id": own.id, "reps": 10, "side": "each"})
        template = created(http, coach, body)
        mine = assigned(http, coach, client_user.id, template["id"])

        response = http.get("/api/v1/me/today", headers=client_user.headers)

        assert response.status_code == 200
        today = response.get_json()
        assert today["date"] == "2026-03-11"
        [session] = today["sessions"]
        assert (session["assignment_id"], session["program_name"], session["title"]) == (
            mine["id"],
            "Four Days",
            "Wednesday",
        )
        assert (session["week"], session["day"], session["date"], session["status"]) == (
            1,
            3,
            "2026-03-11",
            "today",
        )
        breathing, march = session["items"]
        assert breathing["exercise_name"] == "90-90 Breathing"
        assert breathing["exercise_cues"] and breathing["exercise_video_url"] is None
        assert march["exercise_cues"] == ["Lean into the wall.", "Drive the knee."]
        assert march["exercise_video_url"] == "https://videos.example/wall-lean-march"
        assert (march["reps"], march["side"], march["stage"]) == (10, "each", "strength")

    def test_it_lists_the_sessions_of_every_active_assignment_due_that_day(
        self, http, coach, client_user, assignment, ex, freeze_now
    ):
        freeze_now(NOW)
        second = created(http, coach, program_body(ex))
        assigned(http, coach, client_user.id, second["id"], "2026-03-11")

        response = http.get("/api/v1/me/today", headers=client_user.headers)

        assert [(s["program_name"], s["title"]) for s in response.get_json()["sessions"]] == [
            ("Four Days", "Wednesday"),
            ("Pelvis to Neutral", "Find the hamstrings"),
        ]

    def test_a_date_picks_another_day(self, http, client_user, assignment, freeze_now):
        freeze_now(NOW)

        response = http.get("/api/v1/me/today?date=2026-03-16", headers=client_user.headers)

        body = response.get_json()
        assert body["date"] == "2026-03-16"
        assert [(s["title"], s["status"]) for s in body["sessions"]] == [
            ("Next Monday", "upcoming")
        ]

    def test_a_day_without_a_session_is_empty(self, http, client_user, assignment):
        response = http.get("/api/v1/me/today?date=2026-03-12", headers=client_user.headers)

        assert response.status_code == 200
        assert response.get_json() == {"date": "2026-03-12", "sessions": []}

    def test_only_active_assignments_count(self, http, coach, client_user, assignment, freeze_now):
        freeze_now(NOW)
        patch_assignment(http, coach, assignment["id"], {"status": "paused"})

        response = http.get("/api/v1/me/today", headers=client_user.headers)

        assert response.get_json() == {"date": "2026-03-11", "sessions": []}

    def test_a_client_in_auckland_late_in_the_utc_evening_gets_the_next_days_session(
        self, http, coach, academy, client_user, ex, freeze_now
    ):
        kiwi = sign_in(
            make_user(academy, "client", "Kiri", "kiri@north.test", timezone="Pacific/Auckland")
        )
        template = created(http, coach, four_day_body(ex))
        assigned(http, coach, kiwi.id, template["id"])
        assigned(http, coach, client_user.id, template["id"])
        freeze_now("2026-03-10T23:30:00Z")  # 12:30 on Wednesday 11 March in Auckland

        in_auckland = http.get("/api/v1/me/today", headers=kiwi.headers).get_json()
        in_london = http.get("/api/v1/me/today", headers=client_user.headers).get_json()

        assert in_auckland["date"] == "2026-03-11"
        assert [(s["title"], s["date"], s["status"]) for s in in_auckland["sessions"]] == [
            ("Wednesday", "2026-03-11", "today")
        ]
        assert in_london["date"] == "2026-03-10"
        assert [s["title"] for s in in_london["sessions"]] == ["Tuesday"]

    def test_a_completed_check_in_shows_as_done(self, http, client_user, assignment, freeze_now):
        freeze_now(NOW)
        [session] = http.get("/api/v1/me/today", headers=client_user.headers).json["sessions"]
        check_in(client_user, assignment["id"], session["id"], "2026-03-11")

        response = http.get("/api/v1/me/today", headers=client_user.headers)

        assert response.get_json()["sessions"][0]["status"] == "done"

    def test_the_body_has_exactly_the_fields_of_its_schema(
        self, http, client_user, assignment, freeze_now
    ):
        freeze_now(NOW)

        response = http.get("/api/v1/me/today", headers=client_user.headers)

        assert_shape(response.get_json(), TodaySchema())

    def test_another_clients_sessions_never_appear(
        self, http, other_client_user, other_academy_client, assignment, freeze_now
    ):
        freeze_now(NOW)

        ours = http.get("/api/v1/me/today", headers=other_client_user.headers).get_json()
        theirs = http.get("/api/v1/me/today", headers=other_academy_client.headers).get_json()

        assert ours["sessions"] == [] and theirs["sessions"] == []

    @pytest.mark.parametrize("query", ["date=tomorrow", "date=2026-13-01", "date="])
    def test_a_bad_query_is_422(self, http, client_user, query):
        response = http.get(f"/api/v1/me/today?{query}", headers=client_user.headers)

        assert "query.date" in problem_of(response, 422)["errors"]

    def test_a_coach_gets_403(self, http, coach):
        problem_of(http.get("/api/v1/me/today", headers=coach.headers), 403)

    def test_it_needs_a_token(self, http):
        problem_of(http.get("/api/v1/me/today"), 401)

    def test_the_statement_count_does_not_grow_with_the_program(
        self, app, http, coach, client_user, other_client_user, ex, freeze_now
    ):
        freeze_now(NOW)
        small = created(http, coach, one_session_body(ex))["id"]
        big = created(http, coach, big_program_body(ex))["id"]
        # Both start today, so each has its week 1 day 1 session due.
        assigned(http, coach, client_user.id, small, "2026-03-11")
        assigned(http, coach, other_client_user.id, big, "2026-03-11")

        with app.app_context(), count_statements() as small_statements:
            small_body = http.get("/api/v1/me/today", headers=client_user.headers).json
        with app.app_context(), count_statements() as big_statements:
            big_body = http.get("/api/v1/me/today", headers=other_client_user.headers).json

        assert [len(s["items"]) for s in small_body["sessions"]] == [1]
        assert [len(s["items"]) for s in big_body["sessions"]] == [8]
        # Four to read the day, two for the safety rules (latest assessment, pain ratings).
        assert len(small_statements) == len(big_statements) <= 6


class TestMySchedule:
    def test_it_lists_the_sessions_between_two_dates(
        self, http, client_user, assignment, freeze_now
    ):
        freeze_now(NOW)
        sessions = http.get(
            f"/api/v1/me/assignments/{assignment['id']}", headers=client_user.headers
        ).json["sessions"]
        check_in(client_user, assignment["id"], sessions[1]["id"], "2026-03-10")

        response = http.get(
            "/api/v1/me/schedule?from=2026-03-10&to=2026-03-16", headers=client_user.headers
        )

        assert response.status_code == 200
        assert response.get_json() == [
            {
                "date": date_,
                "assignment_id": assignment["id"],
                "program_name": "Four Days",
                "id": session["id"],
                "week": session["week"],
                "day": session["day"],
                "title": session["title"],
                "item_count": len(session["items"]),
                "planned_distance_m": None,
                "planned_duration_seconds": None,
                "status": status,
                "held": [],
            }
            for date_, session, status in [
                ("2026-03-10", sessions[1], "done"),
                ("2026-03-11", sessions[2], "today"),
                ("2026-03-16", sessions[3], "upcoming"),
            ]
        ]

    def test_it_defaults_to_the_week_from_today(self, http, client_user, assignment, freeze_now):
        freeze_now(NOW)

        response = http.get("/api/v1/me/schedule", headers=client_user.headers)

        assert [(e["date"], e["title"]) for e in response.get_json()] == [
            ("2026-03-11", "Wednesday"),
            ("2026-03-16", "Next Monday"),
        ]

    def test_paused_assignments_stay_on_the_schedule_and_final_ones_leave(
        self, http, coach, client_user, assignment, ex, freeze_now
    ):
        freeze_now(NOW)
        template = created(http, coach, one_session_body(ex))
        ended = assigned(http, coach, client_user.id, template["id"], "2026-03-12")
        patch_assignment(http, coach, assignment["id"], {"status": "paused"})
        patch_assignment(http, coach, ended["id"], {"status": "cancelled"})

        response = http.get(
            "/api/v1/me/schedule?from=2026-03-09&to=2026-03-20", headers=client_user.headers
        )

        assert {e["assignment_id"] for e in response.get_json()} == {assignment["id"]}
        assert len(response.get_json()) == 4

    def test_the_body_has_exactly_the_fields_of_its_schema(
        self, http, coach, client_user, assignment, ex, freeze_now
    ):
        freeze_now(NOW)
        # Strides on Friday 13 March, held back by a sore knee: one entry has `held`.
        strides = {"exercise_id": ex["strides"], "sets": 1, "reps": 6}
        sessions = [{"week": 1, "day": 5, "items": [strides]}]
        friday = created(http, coach, {"name": "Strides", "weeks": 1, "sessions": sessions})
        assigned(http, coach, client_user.id, friday["id"])
        response = http.post(
            f"/api/v1/clients/{client_user.id}/assessments",
            json={
                "assessed_on": "2026-03-02",
                "pain": [{"region": "knee", "side": "left", "score": 6}],
            },
            headers=coach.headers,
        )
        assert response.status_code == 201, response.get_data(as_text=True)

        response = http.get(
            "/api/v1/me/schedule?from=2026-03-09&to=2026-03-22", headers=client_user.headers
        )

        entries = response.get_json()
        assert len(entries) == 5
        [held] = [entry for entry in entries if entry["held"]]
        assert (held["program_name"], held["date"]) == ("Strides", "2026-03-13")
        assert [(h["rule"], h["reason"]) for h in held["held"]] == [
            ("painful_region", "Your left knee hurts (6/10): no fast running yet.")
        ]
        assert_shape(held, ScheduleEntrySchema())
        for entry in entries:
            assert entry.keys() == held.keys()

    def test_another_clients_sessions_never_appear(
        self, http, other_client_user, other_academy_client, assignment
    ):
        query = "/api/v1/me/schedule?from=2026-03-09&to=2026-03-22"

        ours = http.get(query, headers=other_client_user.headers)
        theirs = http.get(query, headers=other_academy_client.headers)

        assert ours.status_code == theirs.status_code == 200
        assert ours.get_json() == theirs.get_json() == []

    @pytest.mark.parametrize(
        "query, path",
        [
            ("from=soon", "query.from"),
            ("to=2026-02-31", "query.to"),
        ],
    )
    def test_a_bad_date_is_422(self, http, client_user, query, path):
        response = http.get(f"/api/v1/me/schedule?{query}", headers=client_user.headers)

        assert path in problem_of(response, 422)["errors"]

    def test_it_paginates(self, http, client_user, assignment):
        query = "/api/v1/me/schedule?from=2026-03-09&to=2026-03-22&page=2&page_size=3"

        response = http.get(query, headers=client_user.headers)

        assert [e["title"] for e in response.get_json()] == ["Next Monday"]
        pagination = json.loads(response.headers["X-Pagination"])
        assert (pagination["total"], pagination["total_pages"]) == (4, 2)

    @pytest.mark.parametrize(
        "query", ["from=2026-03-22&to=2026-03-09", "to=2026-03-10", "from=2026-03-10&to=2026-03-08"]
    )
    def test_to_before_from_is_an_empty_range(
        self, http, client_user, assignment, freeze_now, query
    ):
        freeze_now(NOW)  # today, the default `from`, is 11 March

        response = http.get(f"/api/v1/me/schedule?{query}", headers=client_user.headers)

        assert response.status_code == 200
        assert response.get_json() == []
        assert json.loads(response.headers["X-Pagination"])["total"] == 0

    def test_a_range_of_years_is_answered_page_by_page(
        self, http, client_user, assignment, freeze_now
    ):
        freeze_now(NOW)
        weeks = "/api/v1/me/schedule?from=2026-03-09&to=2026-03-22&page_size=3"
        centuries = "/api/v1/me/schedule?from=1900-01-01&to=2100-12-31&page_size=3"

        few, many = (http.get(query, headers=client_user.headers) for query in (weeks, centuries))

        assert many.status_code == 200
        assert json.loads(many.headers["X-Pagination"])["total"] == 4  # every session there is
        assert many.get_json() == few.get_json()

    def test_a_to_alone_runs_from_today(self, http, client_user, assignment, freeze_now):
        freeze_now(NOW)

        response = http.get("/api/v1/me/schedule?to=2026-06-11", headers=client_user.headers)

        assert response.status_code == 200
        assert [e["date"] for e in response.get_json()] == ["2026-03-11", "2026-03-16"]

    def test_the_statement_count_does_not_grow_with_the_programs(
        self, app, http, coach, client_user, other_client_user, ex, freeze_now
    ):
        freeze_now(NOW)
        small = created(http, coach, one_session_body(ex))["id"]
        big = created(http, coach, big_program_body(ex))["id"]
        assigned(http, coach, client_user.id, small, "2026-03-11")
        assigned(http, coach, other_client_user.id, big, "2026-03-11")
        assigned(http, coach, other_client_user.id, big, "2026-03-12")
        query = "/api/v1/me/schedule?from=2026-03-01&to=2026-06-01&page_size=100"

        with app.app_context(), count_statements() as small_statements:
            small_body = http.get(query, headers=client_user.headers).json
        with app.app_context(), count_statements() as big_statements:
            big_body = http.get(query, headers=other_client_user.headers).json

        assert len(small_body) == 1 and len(big_body) == 2 * 36
        # Four to read the sessions, two for the safety rules (assessment, pain ratings).
        assert len(small_statements) == len(big_statements) <= 6

    def test_a_coach_gets_403(self, http, coach):
        problem_of(http.get("/api/v1/me/schedule", headers=coach.headers), 403)

    def test_it_needs_a_token(self, http):
        problem_of(http.get("/api/v1/me/schedule"), 401)


class TestItemsTakeTheirExercisesDefaults:
    """An item says only what differs from its exercise: an item with no dosage of its
    own takes the exercise's, and an item of a side-biased exercise takes its bias."""

    def _one_item(self, **item) -> dict:
        return {
            "name": "Defaults",
            "weeks": 1,
            "sessions": [{"week": 1, "day": 1, "items": [item]}],
        }

    def test_an_item_with_no_dosage_takes_the_exercises(self, http, coach, ex):
        program = created(http, coach, self._one_item(exercise_id=ex["couch-stretch"]))

        [item] = program["sessions"][0]["items"]
        assert (item["sets"], item["hold_seconds"], item["reps"]) == (2, 45, None)

    def test_an_item_with_any_dosage_keeps_its_own(self, http, coach, ex):
        program = created(http, coach, self._one_item(exercise_id=ex["couch-stretch"], reps=5))

        [item] = program["sessions"][0]["items"]
        assert (item["sets"], item["hold_seconds"], item["reps"]) == (None, None, 5)

    def test_an_item_of_a_biased_exercise_takes_its_bias(self, http, coach, ex):
        body = self._one_item(exercise_id=ex["90-90-breathing-left-bias"])

        program = created(http, coach, body)

        assert program["sessions"][0]["items"][0]["side"] == "left_bias"

    @pytest.mark.parametrize("side", ["right_bias", "both", "each"])
    def test_a_side_against_the_bias_is_422_and_nothing_is_stored(self, http, coach, ex, side):
        body = self._one_item(exercise_id=ex["90-90-breathing-left-bias"], side=side)
        before = count_rows(Program)

        response = http.post("/api/v1/programs", json=body, headers=coach.headers)

        assert list(problem_of(response, 422)["errors"]) == ["sessions[0].items[0].side"]
        assert count_rows(Program) == before

    def test_an_unbiased_exercise_takes_any_side(self, http, coach, ex):
        program = created(http, coach, self._one_item(exercise_id=ex["couch-stretch"], side="left"))

        assert program["sessions"][0]["items"][0]["side"] == "left"
