"""Fixtures of the privacy suite: a client with a full history in their academy."""

from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from academy.exercises.models import Exercise
from academy.exercises.service import load_catalogue, read_catalogue
from academy.extensions import db
from tests.assessments.conftest import recorded
from tests.audit.conftest import assign, check_in, create_program

# The coach's private note on the client's profile: never shown to the client.
CLIENT_SECRET = "Coach only: recovering from an eating disorder."
# What the client wrote: theirs to export, and erased with them.
CLIENT_WORDS = "Left hip pinched on the hills today."
SUMMARY = "Your pelvis tips forward, more on the left. We start with breathing."
UNSHARED_SUMMARY = "Not yet: discuss the left foot at the next visit."


@pytest.fixture(scope="session")
def catalogue_entries():
    return read_catalogue()


@pytest.fixture
def catalogue(app, catalogue_entries):
    """The shipped global catalogue, loaded into the test database."""
    load_catalogue(catalogue_entries)
    db.session.commit()
    return catalogue_entries


@pytest.fixture
def ex(catalogue) -> dict[str, int]:
    """Ids of the global exercises, by slug."""
    rows = db.session.execute(
        sa.select(Exercise.slug, Exercise.id).where(Exercise.academy_id.is_(None))
    )
    return dict(rows.all())


@dataclass
class History:
    assignment: dict
    check_in: dict
    shared: dict
    unshared: dict


@pytest.fixture
def history(http, coach, client_user, ex) -> History:
    """``client_user`` with coach notes, an assignment, a check-in, and two assessments
    (one shared with them, one not), every one written through the API."""
    response = http.patch(
        f"/api/v1/clients/{client_user.id}",
        json={"coach_notes": CLIENT_SECRET, "goals": "A spring marathon",
              "running_profile": {"weekly_volume_km": 45, "target_race": "Spring 42k"}},
        headers={**coach.headers, "If-Match": "*"},
    )  # fmt: skip
    assert response.status_code == 200
    program = create_program(http, coach, ex)
    assignment = assign(http, coach, client_user.id, program["id"])
    [session] = http.get(
        f"/api/v1/programs/{assignment['program']['id']}", headers=coach.headers
    ).get_json()["sessions"]
    return History(
        assignment=assignment,
        check_in=check_in(
            http,
            client_user,
            notes=CLIENT_WORDS,
            assignment_id=assignment["id"],
            session_id=session["id"],
            results=[{"item_id": session["items"][0]["id"], "notes": CLIENT_WORDS}],
        ),
        shared=recorded(http, coach, client_user.id, client_summary=SUMMARY),
        unshared=recorded(
            http,
            coach,
            client_user.id,
            assessed_on="2026-03-09",
            shared_with_client=False,
            client_summary=UNSHARED_SUMMARY,
        ),
    )
