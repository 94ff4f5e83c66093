"""Fixtures of the audit suite: the global catalogue and helpers that make one write
of each audited kind through the API."""

import pytest
import sqlalchemy as sa

from academy.audit.models import AuditEntry
from academy.exercises.models import Exercise
from academy.exercises.service import load_catalogue, read_catalogue
from academy.extensions import db

# Free text and health values that must never reach the audit log.
SECRET = "Confided: knee gave way at the funeral."
PAIN = 9


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


def program_body(ex, **changes) -> dict:
    return {
        "name": "Pelvis to Neutral",
        "description": "Position, then breathing, then strength.",
        "goal": "Ease the left hip-flexor pinch",
        "weeks": 1,
        "sessions": [
            {
                "week": 1,
                "day": 1,
                "title": "Find the hamstrings",
                "items": [
                    {"exercise_id": ex["all-4s-pelvic-tucks"], "sets": 2, "reps": 8},
                    {
                        "exercise_id": ex["90-90-breathing-left-bias"],
                        "breaths": 5,
                        "side": "left_bias",
                    },
                ],
            }
        ],
        **changes,
    }


def create_program(http, coach, ex, **changes) -> dict:
    response = http.post(
        "/api/v1/programs", json=program_body(ex, **changes), headers=coach.headers
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def assign(http, coach, client_id: int, program_id: int) -> dict:
    response = http.post(
        f"/api/v1/clients/{client_id}/assignments",
        json={"program_id": program_id, "start_date": "2026-03-02", "notes": SECRET},
        headers=coach.headers,
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def check_in_body(**changes) -> dict:
    """A check-in of a day long past, with a pain rating and private notes."""
    return {
        "date": "2026-03-02",
        "completed": True,
        "rpe": 6,
        "ratings": [{"region": "hip_flexors", "side": "left", "tightness": 7, "pain": PAIN}],
        "wellness": {"sleep_hours": 6.5, "stress": 4, "energy": 2, "soreness": 3},
        "notes": SECRET,
        **changes,
    }


def check_in(http, client, **changes) -> dict:
    response = http.post(
        "/api/v1/me/check-ins", json=check_in_body(**changes), headers=client.headers
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def audit_rows(resource: str | None = None, resource_id: int | None = None) -> list[AuditEntry]:
    db.session.expire_all()
    stmt = sa.select(AuditEntry).order_by(AuditEntry.id)
    if resource:
        stmt = stmt.where(AuditEntry.resource == resource)
    if resource_id is not None:
        stmt = stmt.where(AuditEntry.resource_id == resource_id)
    return list(db.session.scalars(stmt))


def summary(entry: AuditEntry) -> tuple:
    """What a test compares: who, what, which resource, which fields."""
    return (entry.actor_id, entry.actor_role, entry.action, entry.resource, entry.resource_id,
            entry.fields)  # fmt: skip
