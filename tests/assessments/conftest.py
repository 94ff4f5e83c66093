"""Fixtures of the assessments suite: the global catalogue, an assessment body,
and helpers to record assessments and add an academy's own exercises."""

import copy

import pytest
import sqlalchemy as sa

from academy.exercises.models import Exercise, ExerciseFinding
from academy.exercises.service import load_catalogue, read_catalogue
from academy.extensions import db

# The coach's private notes: no client-facing answer may ever contain them.
SECRET_NOTES = "Private: suspect she skips the breathing work."

# A full assessment: a left-sided anterior tilt with rib flare and glute gripping.
ASSESSMENT = {
    "assessed_on": "2026-03-02",
    "pelvic_tilt": {
        "left": {"direction": "anterior", "grade": 2},
        "right": {"direction": "anterior", "grade": 1},
    },
    "rib_flare": "moderate",
    "breathing_pattern": "vertical",
    "glute_gripping": True,
    "findings": ["hip_flexor_weakness"],
    "tightness": [
        {"region": "hip_flexors", "side": "left", "severity": 6},
        {"region": "calf", "side": "right", "severity": 3},
    ],
    "pain": [{"region": "hip", "side": "left", "score": 2}],
    "gait": {"cadence_spm": 158, "overstride": True, "notes": "Reaches with the left foot."},
    "notes": SECRET_NOTES,
    "client_summary": "Your pelvis tips forward, more on the left. We start with breathing.",
    "shared_with_client": True,
}


def assessment_body(**changes) -> dict:
    return {**copy.deepcopy(ASSESSMENT), **changes}


def record(http, actor, client: int, **changes):
    """POST an assessment for the client with id ``client``; the response."""
    return http.post(
        f"/api/v1/clients/{client}/assessments",
        json=assessment_body(**changes),
        headers=actor.headers,
    )


def recorded(http, actor, client: int, **changes) -> dict:
    """POST an assessment that must succeed; its body."""
    response = record(http, actor, client, **changes)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def make_exercise(academy_id: int | None, name: str, addresses: list[str], **fields) -> Exercise:
    """An exercise written straight to the database (the academy's own unless None)."""
    exercise = Exercise(
        academy_id=academy_id,
        slug=fields.pop("slug", name.lower().replace(" ", "-")),
        name=name,
        aliases=[],
        cues=["Stay tall."],
        category=fields.pop("category", "breathing"),
        stage=fields.pop("stage", "breathing"),
        laterality=fields.pop("laterality", "bilateral"),
        equipment=[],
        search_text=name.lower(),
        finding_rows=[
            ExerciseFinding(finding=finding, position=i) for i, finding in enumerate(addresses)
        ],
        **fields,
    )
    db.session.add(exercise)
    db.session.commit()
    return exercise


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
def slugs(catalogue) -> dict[int, str]:
    """Slug of every global exercise, by id."""
    rows = db.session.execute(
        sa.select(Exercise.id, Exercise.slug).where(Exercise.academy_id.is_(None))
    )
    return dict(rows.all())
