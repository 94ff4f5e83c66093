"""Fixtures of the check-ins suite: a frozen clock, a small program assigned to
`client_user`, and helpers to read its sessions and post check-ins."""

from datetime import UTC, date, datetime, timedelta

import pytest

import academy.common.time
from academy.exercises.models import Exercise
from academy.extensions import db

# A Wednesday at noon UTC; Europe/London is on GMT then, so "today" is the same date.
NOW = "2026-03-11T12:00:00Z"
TODAY = date(2026, 3, 11)
# The Monday of the week before TODAY: the assignment's sessions fall around it.
START = date(2026, 3, 2)

# Two weeks, two sessions a week: Mondays and Wednesdays from START.
PROGRAM = {
    "name": "Pelvis to neutral",
    "description": "Position, then breathing, then strength.",
    "goal": "Less left hip-flexor tightness.",
    "weeks": 2,
    "sessions": [
        {
            "week": 1,
            "day": 1,
            "title": "Find the hamstrings",
            "items": [
                {"exercise": "tucks", "sets": 2, "reps": 8},
                {"exercise": "breathing", "breaths": 5, "side": "left_bias"},
            ],
        },
        {
            "week": 1,
            "day": 3,
            "title": "Strength",
            "items": [{"exercise": "pulls", "sets": 3, "reps": 10, "side": "each"}],
        },
        {
            "week": 2,
            "day": 1,
            "title": "Find the hamstrings again",
            "items": [{"exercise": "tucks", "sets": 3, "reps": 8}],
        },
        {
            "week": 2,
            "day": 3,
            "title": "Strength again",
            "items": [{"exercise": "pulls", "sets": 3, "reps": 12, "side": "each"}],
        },
    ],
}


def iso(value: date) -> str:
    return value.isoformat()


def days(n: int) -> timedelta:
    return timedelta(days=n)


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """Freeze what "today" is computed from (``local_today`` calls ``utcnow``).

    Only ``academy.common.time.utcnow`` is replaced: modules that imported it by name
    (token expiry, timestamps, idempotency retention) keep the real clock. Call the
    fixture with another ISO instant to move the clock.
    """

    def freeze(moment: str) -> datetime:
        now = datetime.fromisoformat(moment.replace("Z", "+00:00")).astimezone(UTC)
        monkeypatch.setattr(academy.common.time, "utcnow", lambda: now)
        return now

    freeze(NOW)
    return freeze


def make_exercise(academy_id: int, name: str, stage: str) -> Exercise:
    exercise = Exercise(
        academy_id=academy_id,
        slug=name.lower().replace(" ", "-"),
        name=name,
        aliases=[],
        cues=["Breathe out fully."],
        category="pelvic_position",
        stage=stage,
        laterality="bilateral",
        equipment=[],
        search_text=name.lower(),
    )
    db.session.add(exercise)
    db.session.commit()
    return exercise


@pytest.fixture
def exercises(academy) -> dict[str, int]:
    """The academy's own exercises the programs of this suite are built from, by nickname."""
    return {
        "tucks": make_exercise(academy.id, "All 4s Pelvic Tucks", "position").id,
        "breathing": make_exercise(academy.id, "90-90 Breathing", "breathing").id,
        "pulls": make_exercise(academy.id, "Bridge with Hip Flexor Pulls", "strength").id,
    }


def program_body(exercises: dict[str, int], document: dict = PROGRAM) -> dict:
    """A program document with the exercise nicknames replaced by ids."""
    sessions = [
        {
            **session,
            "items": [
                {"exercise_id": exercises[item["exercise"]]}
                | {k: v for k, v in item.items() if k != "exercise"}
                for item in session["items"]
            ],
        }
        for session in document["sessions"]
    ]
    return {**document, "sessions": sessions}


def create_program(http, coach, exercises, document: dict = PROGRAM) -> dict:
    response = http.post(
        "/api/v1/programs", json=program_body(exercises, document), headers=coach.headers
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def assign(http, coach, client_id: int, program_id: int, start: date = START) -> dict:
    response = http.post(
        f"/api/v1/clients/{client_id}/assignments",
        json={"program_id": program_id, "start_date": iso(start)},
        headers=coach.headers,
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def set_status(http, coach, assignment_id: int, status: str) -> None:
    url = f"/api/v1/assignments/{assignment_id}"
    etag = http.get(url, headers=coach.headers).headers["ETag"]
    response = http.patch(url, json={"status": status}, headers={**coach.headers, "If-Match": etag})
    assert response.status_code == 200, response.get_json()


def sessions_of(http, client, assignment_id: int) -> dict[tuple[int, int], dict]:
    """The client's view of an assignment's sessions, by (week, day)."""
    response = http.get(f"/api/v1/me/assignments/{assignment_id}", headers=client.headers)
    assert response.status_code == 200, response.get_json()
    return {(s["week"], s["day"]): s for s in response.get_json()["sessions"]}


def post_check_in(http, actor, body: dict, key: str | None = None):
    headers = dict(actor.headers)
    if key is not None:
        headers["Idempotency-Key"] = key
    return http.post("/api/v1/me/check-ins", json=body, headers=headers)


def check_in_for(session: dict, assignment_id: int, **fields) -> dict:
    """A completed check-in of a session on its own date, every item done."""
    return {
        "date": session["date"],
        "assignment_id": assignment_id,
        "session_id": session["id"],
        "results": [{"item_id": item["id"]} for item in session["items"]],
        **fields,
    }


@pytest.fixture
def program(http, coach, exercises) -> dict:
    return create_program(http, coach, exercises)


@pytest.fixture
def assignment(http, coach, client_user, program) -> dict:
    """`program` assigned to `client_user` from START (a Monday)."""
    return assign(http, coach, client_user.id, program["id"])


@pytest.fixture
def sessions(http, client_user, assignment) -> dict[tuple[int, int], dict]:
    return sessions_of(http, client_user, assignment["id"])
