"""Fixtures of the programs suite: the catalogue, a few exercises by slug, a frozen clock."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

import academy.common.time
from academy.exercises.models import Exercise
from academy.exercises.service import load_catalogue, read_catalogue
from academy.extensions import db

# The catalogue exercises the programs of this suite are built from.
SLUGS = (
    "all-4s-pelvic-tucks",
    "90-90-breathing",
    "90-90-breathing-left-bias",
    "bridge-with-hip-flexor-pulls",
    "couch-stretch",
    "hamstring-bridge",
    "dead-bug-with-exhale",
    "strides",
)


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
    """Ids of the catalogue exercises in SLUGS, by slug."""
    rows = db.session.execute(
        sa.select(Exercise.slug, Exercise.id).where(
            Exercise.academy_id.is_(None), Exercise.slug.in_(SLUGS)
        )
    )
    return dict(rows.all())


def make_exercise(academy_id: int, name: str, **fields) -> Exercise:
    """An academy's own exercise, written straight to the database."""
    exercise = Exercise(
        academy_id=academy_id,
        slug=name.lower().replace(" ", "-"),
        name=name,
        aliases=[],
        cues=fields.pop("cues", ["Stay tall."]),
        category="glutes",
        stage="strength",
        laterality="bilateral",
        equipment=[],
        search_text=name.lower(),
        **fields,
    )
    db.session.add(exercise)
    db.session.commit()
    return exercise


@pytest.fixture
def freeze_now(monkeypatch):
    """Set the clock the schedule reads "today" from (``local_today`` calls it).

    Only ``academy.common.time.utcnow`` itself is replaced: modules that imported it
    by name (token expiry, timestamps) keep the real clock.
    """

    def freeze(moment: str) -> datetime:
        now = datetime.fromisoformat(moment.replace("Z", "+00:00")).astimezone(UTC)
        monkeypatch.setattr(academy.common.time, "utcnow", lambda: now)
        return now

    return freeze
