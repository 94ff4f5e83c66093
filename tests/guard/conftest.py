"""Fixtures of the closed loop: the catalogue, a frozen clock, Cliff's spring block with
hops and runs on Thursdays, and helpers to rate pain and read what is held."""

from datetime import date

import pytest
import sqlalchemy as sa

from academy.exercises.models import Exercise
from academy.extensions import db
from tests.programs.conftest import catalogue, catalogue_entries, freeze_now  # noqa: F401

# Tuesday 10 March 2026 at noon UTC: Europe/London is on GMT, so Cliff's today is the same.
MONDAY = "2026-03-09T12:00:00Z"
TUESDAY = "2026-03-10T12:00:00Z"
WEDNESDAY = "2026-03-11T12:00:00Z"
START = date(2026, 3, 9)  # the Monday the block starts

# The catalogue exercises the programs here are built from.
SLUGS = (
    "90-90-breathing",
    "all-4s-pelvic-tucks",
    "pogo-jumps",
    "travelling-pogo-hops",
    "eccentric-heel-drops",
    "metronome-walk",
    "walk-run-intervals",
    "strides",
    "single-leg-short-foot-balance",
)
# 30 minutes easy.
EASY_RUN = {"type": "easy", "steps": [{"kind": "work", "duration_seconds": 1800}]}


@pytest.fixture
def clock(freeze_now):  # noqa: F811
    """The clock, on Tuesday; call it with another instant to move it."""
    freeze_now(TUESDAY)
    return freeze_now


@pytest.fixture
def ex(catalogue) -> dict[str, int]:  # noqa: F811
    """Ids of the catalogue exercises in SLUGS, by slug."""
    rows = db.session.execute(
        sa.select(Exercise.slug, Exercise.id).where(
            Exercise.academy_id.is_(None), Exercise.slug.in_(SLUGS)
        )
    )
    return dict(rows.all())


def breathing(ex) -> dict:
    return {"exercise_id": ex["90-90-breathing"], "breaths": 5}


def run_item() -> dict:
    return {"kind": "run", "run": EASY_RUN}


def spring_block(ex) -> dict:
    """Two weeks, Mondays and Thursdays: Thursday 12 March holds Travelling Pogo Hops and an
    easy run, Thursday 19 March Pogo Jumps and an easy run; Mondays are position work,
    and the first Monday has Pogo Jumps too."""
    tucks = {"exercise_id": ex["all-4s-pelvic-tucks"], "sets": 2, "reps": 8}
    return {
        "name": "Spring Return",
        "weeks": 2,
        "sessions": [
            {
                "week": 1,
                "day": 1,
                "title": "Monday",
                "items": [breathing(ex), {"exercise_id": ex["pogo-jumps"], "sets": 2, "reps": 10}],
            },
            {
                "week": 1,
                "day": 4,
                "title": "Thursday",
                "items": [
                    breathing(ex),
                    {"exercise_id": ex["travelling-pogo-hops"], "sets": 3, "reps": 6},
                    run_item(),
                ],
            },
            {"week": 2, "day": 1, "title": "Next Monday", "items": [breathing(ex), tucks]},
            {
                "week": 2,
                "day": 4,
                "title": "Next Thursday",
                "items": [
                    breathing(ex),
                    {"exercise_id": ex["pogo-jumps"], "sets": 3, "reps": 10},
                    run_item(),
                ],
            },
        ],
    }


def long_block(ex, weeks: int = 12) -> dict:
    """``weeks`` weeks of three sessions (Monday, Thursday, Saturday), each with
    breathing, Pogo Jumps and a run."""
    items = [breathing(ex), {"exercise_id": ex["pogo-jumps"], "sets": 3, "reps": 10}, run_item()]
    return {
        "name": "Long Block",
        "weeks": weeks,
        "sessions": [
            {"week": week, "day": day, "title": f"W{week}D{day}", "items": items}
            for week in range(1, weeks + 1)
            for day in (1, 4, 6)
        ],
    }


def short_block(ex) -> dict:
    """One session, on the first Thursday: breathing and Pogo Jumps."""
    return {
        "name": "Short Block",
        "weeks": 1,
        "sessions": [
            {
                "week": 1,
                "day": 4,
                "items": [breathing(ex), {"exercise_id": ex["pogo-jumps"], "sets": 3, "reps": 10}],
            }
        ],
    }


def assign_program(http, coach, client_id: int, document: dict, start: date = START) -> dict:
    """Create ``document`` as a template and assign it; the assignment."""
    response = http.post("/api/v1/programs", json=document, headers=coach.headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    response = http.post(
        f"/api/v1/clients/{client_id}/assignments",
        json={"program_id": response.get_json()["id"], "start_date": start.isoformat()},
        headers=coach.headers,
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def rate_pain(http, client, on: str, pain: int, region: str = "knee", side: str = "left"):
    """A check-in on ``on`` rating pain, and nothing else; its body."""
    response = http.post(
        "/api/v1/me/check-ins",
        json={"date": on, "ratings": [{"region": region, "side": side, "pain": pain}]},
        headers=client.headers,
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def my_sessions(http, client, assignment_id: int) -> dict[str, dict]:
    """The client's sessions of an assignment, by date."""
    response = http.get(f"/api/v1/me/assignments/{assignment_id}", headers=client.headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return {s["date"]: s for s in response.get_json()["sessions"]}


def held_items(sessions) -> list[tuple[str, str | None, dict]]:
    """(date, exercise name or run type, held) of every item held, in order."""
    return [
        (s["date"], i["exercise_name"] or i["run"]["type"], i["held"])
        for s in sessions
        for i in s["items"]
        if i["held"] is not None
    ]


def conflicts_of(http, coach, client_id: int, query: str = "?page_size=100"):
    return http.get(f"/api/v1/clients/{client_id}/plan-conflicts{query}", headers=coach.headers)


def assignment_etag(http, coach, assignment_id: int) -> str:
    response = http.get(f"/api/v1/assignments/{assignment_id}", headers=coach.headers)
    assert response.status_code == 200
    return response.headers["ETag"]


def apply_easier(http, coach, assignment_id: int, items, etag: str | None = None):
    headers = dict(coach.headers)
    if etag is not None:
        headers["If-Match"] = etag
    return http.post(
        f"/api/v1/assignments/{assignment_id}/apply-easier", json={"items": items}, headers=headers
    )


def reasons_of(http, coach, client_id: int) -> list[dict]:
    """The client's dashboard reasons ([] when the client is not listed)."""
    response = http.get("/api/v1/dashboard?page_size=100", headers=coach.headers)
    assert response.status_code == 200
    entry = next((e for e in response.get_json() if e["client_id"] == client_id), None)
    return entry["reasons"] if entry else []
