"""The benchmark's data: a fresh database holding one client's 12-week program.

It is written through the API (in-process, with Flask's test client), as a coach
and a client app would write it, so the rows that the servers read (positions,
stages, the client's own copy of the template) are real ones, and the seeding
depends on the API's contract only.
"""

import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

# The benchmarks seed and check with this checkout's academy package, as the servers
# they start from it run it, rather than whichever checkout the virtualenv installed.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from academy import create_app
from academy.config import database_url
from academy.extensions import db

POSTGRESQL_DATABASE = "academy_bench"
WEEKS = 12
DAYS = (1, 3, 5)
ITEMS_PER_SESSION = 8
PASSWORD = "seed-password-not-a-secret"
CLIENT_TIMEZONE = "Europe/London"
# The client is two weeks in, so today is week 3 day 1: /me/today has a session and
# the assignment view dates sessions as missed, done, today and upcoming.
DAYS_INTO_PROGRAM = 14
# The coach assessed the client a week before the start: an anteriorly tilted pelvis,
# tight left calf, a left knee that hurts on stairs. A week ago the client checked in
# week 2 day 1 as done, with that knee at 5/10: the safety rules hold back what loads the
# knee or lands hard, in the sessions still ahead.
ASSESSED_DAYS_AGO = DAYS_INTO_PROGRAM + 7
CHECKED_IN = (2, 1)


@dataclass(frozen=True)
class Fixture:
    """What the load generator needs to address the seeded rows."""

    program_id: int
    assignment_id: int
    client_id: int
    today: date
    coach_token: str
    client_token: str


@contextmanager
def fresh_database(
    kind: str, postgresql_url: str, name: str = POSTGRESQL_DATABASE
) -> Iterator[str]:
    """The SQLAlchemy URL of a new, empty database of ``kind``, removed afterwards.

    ``name`` names the PostgreSQL database, so that a benchmark can hold several at once.
    """
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="academy-bench-") as folder:
            yield f"sqlite:///{folder}/academy.db"
        return
    server = database_url(postgresql_url.rstrip("/"))
    _drop_postgresql_database(server, name, recreate=True)
    try:
        yield f"{server}/{name}"
    finally:
        _drop_postgresql_database(server, name, recreate=False)


def _drop_postgresql_database(server: str, name: str, *, recreate: bool) -> None:
    """Drop a benchmark database, then maybe create it anew.

    FORCE ends the sessions that a killed earlier run may have left open.
    """
    engine = sa.create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            if recreate:
                connection.exec_driver_sql(f"CREATE DATABASE {name}")
    finally:
        engine.dispose()


def seed(url: str) -> Fixture:
    """Migrate ``url``, load the catalogue, then sign up an academy and program a client."""
    with migrated_app(url) as app:
        return _academy_with_assigned_program(app.test_client())


@contextmanager
def migrated_app(url: str, **config) -> Iterator[Flask]:
    """An app on ``url``, migrated and with the catalogue loaded, inside its app context.

    ``config`` overrides the app's settings. Afterwards this process's connections are
    closed, so that only the servers hold any.
    """
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "LOG_LEVEL": "WARNING",
            "SIGNUP_ENABLED": True,
            # Seeding copies a million rows in one statement: no request's bound.
            "DB_TIMEOUT_SECONDS": 600,
            **config,
        }
    )
    with app.app_context():
        try:
            upgrade()
            loaded = app.test_cli_runner().invoke(args=["academy", "load-catalogue"])
            if loaded.exit_code != 0:
                raise RuntimeError(f"load-catalogue failed:\n{loaded.output}")
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def _academy_with_assigned_program(http: FlaskClient) -> Fixture:
    """An owner coach signs up, invites a client who accepts, builds and assigns a program."""
    coach_token = call(
        http,
        "POST",
        "/auth/signup",
        {
            "academy_name": "Bench Running Academy",
            "name": "Bea Bench",
            "email": "coach@bench.test",
            "password": PASSWORD,
        },
    )["access_token"]
    client = call(
        http,
        "POST",
        "/clients",
        {"name": "Cal Client", "email": "client@bench.test", "timezone": CLIENT_TIMEZONE},
        token=coach_token,
    )
    client_token = call(
        http,
        "POST",
        "/auth/invitations/accept",
        {"code": client["invitation"]["code"], "password": PASSWORD},
    )["access_token"]
    catalogue = call(http, "GET", "/exercises?page_size=100", token=coach_token)
    template = call(http, "POST", "/programs", _program_document(catalogue), token=coach_token)
    today = datetime.now(ZoneInfo(CLIENT_TIMEZONE)).date()
    start = today - timedelta(days=DAYS_INTO_PROGRAM)
    assignment = call(
        http,
        "POST",
        f"/clients/{client['id']}/assignments",
        {"program_id": template["id"], "start_date": start.isoformat(), "notes": ""},
        token=coach_token,
    )
    _assessment(http, coach_token, client["id"], today)
    _check_in(http, client_token, assignment["id"])
    return Fixture(
        program_id=assignment["program"]["id"],
        assignment_id=assignment["id"],
        client_id=client["id"],
        today=today,
        coach_token=coach_token,
        client_token=client_token,
    )


def _assessment(http: FlaskClient, coach_token: str, client_id: int, today: date) -> None:
    call(
        http,
        "POST",
        f"/clients/{client_id}/assessments",
        {
            "assessed_on": (today - timedelta(days=ASSESSED_DAYS_AGO)).isoformat(),
            "pelvic_tilt": {"left": {"direction": "anterior", "grade": 2}, "right": {}},
            "breathing_pattern": "vertical",
            "tightness": [{"region": "calf", "side": "left", "severity": 5}],
            "pain": [{"region": "knee", "side": "left", "score": 3, "aggravated_by": ["stairs"]}],
        },
        token=coach_token,
    )


def _check_in(http: FlaskClient, client_token: str, assignment_id: int) -> None:
    """The client checks in a past session as done, with a sore knee."""
    assignment = call(http, "GET", f"/me/assignments/{assignment_id}", token=client_token)
    week, day = CHECKED_IN
    session = next(s for s in assignment["sessions"] if (s["week"], s["day"]) == (week, day))
    call(
        http,
        "POST",
        "/me/check-ins",
        {
            "date": session["date"],
            "assignment_id": assignment_id,
            "session_id": session["id"],
            "completed": True,
            "rpe": 5,
            "ratings": [{"region": "knee", "side": "left", "pain": 5}],
        },
        token=client_token,
    )


def call(http: FlaskClient, method: str, path: str, body=None, *, token: str | None = None):
    """One API call that must succeed; answers its JSON body."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = http.open(f"/api/v1{path}", method=method, json=body, headers=headers)
    if response.status_code >= 300:
        raise RuntimeError(f"{method} {path}: {response.status}\n{response.get_data(as_text=True)}")
    return response.get_json()


def _program_document(exercises: list[dict]) -> dict:
    """12 weeks of 3 sessions of 8 items, walking through the catalogue in order."""
    sessions = []
    for week in range(1, WEEKS + 1):
        for day in DAYS:
            first = len(sessions) * ITEMS_PER_SESSION
            picked = [exercises[(first + i) % len(exercises)] for i in range(ITEMS_PER_SESSION)]
            sessions.append(
                {
                    "week": week,
                    "day": day,
                    "title": f"Week {week}, day {day}",
                    "notes": "Position first, then breathing, then strength.",
                    "items": [item(exercise) for exercise in picked],
                }
            )
    return {
        "name": "Half marathon foundations",
        "description": "Twelve weeks of position, breathing and strength work.",
        "goal": "Run the autumn half marathon without the left hip pinching.",
        "weeks": WEEKS,
        "sessions": sessions,
    }


def item(exercise: dict) -> dict:
    """An item with the exercise's own default dosage, as a coach would start from."""
    return {
        "exercise_id": exercise["id"],
        **{field: value for field, value in exercise["dosage"].items() if value is not None},
        "rest_seconds": 60,
        "side": _side(exercise),
    }


def _side(exercise: dict) -> str:
    """The side a coach would write: a biased variant's own bias, else each or both."""
    if exercise.get("side_bias"):
        return f"{exercise['side_bias']}_bias"
    return "each" if exercise["laterality"] == "unilateral" else "both"
