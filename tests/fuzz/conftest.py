"""The fuzz suite's world: the catalogue and the demo academy, loaded once for the
module and left in place between its tests (the suite's per-test clean-up would
otherwise empty it after the first operation)."""

from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from academy import demo
from academy.activities.models import Activity
from academy.assessments.models import Assessment
from academy.auth.models import User
from academy.auth.service import _issue
from academy.checkins.models import CheckIn
from academy.clients.models import Client
from academy.exercises import service as exercises
from academy.exercises.models import Exercise, ExerciseMedia
from academy.extensions import db
from academy.programs.models import Assignment, Program


@dataclass
class World:
    """The demo academy's people and the ids of its objects, by path parameter."""

    coach_id: int
    client_id: int
    ids: dict[str, list[int]] = field(default_factory=dict)

    def token(self, role: str) -> str:
        """A fresh access token: an operation under test may revoke the last one."""
        user = db.session.get(User, self.coach_id if role == "coach" else self.client_id)
        # An operation may have archived or erased the demo client; bring them back.
        if user.status != "active":
            user.status = "active"
        client = db.session.get(Client, self.client_id)
        if client.status != "active":
            client.status = "active"
        token = _issue(user).access_token
        db.session.commit()
        return token


def _ids(model, *where) -> list[int]:
    return list(db.session.scalars(sa.select(model.id).where(*where).order_by(model.id)))


@pytest.fixture(scope="module")
def world(app):
    with app.app_context():
        exercises.load_catalogue(exercises.read_catalogue())
        demo.load()
        db.session.commit()
        owner = db.session.scalar(sa.select(User).where(User.role == "owner"))
        sam = db.session.scalar(sa.select(User).where(User.email == demo.CLIENTS[0]["email"]))
        academy_id = owner.academy_id
        yield World(
            coach_id=owner.id,
            client_id=sam.id,
            ids={
                "client_id": _ids(Client, Client.academy_id == academy_id),
                "exercise_id": _ids(Exercise),
                "program_id": _ids(Program, Program.academy_id == academy_id),
                "assignment_id": _ids(Assignment, Assignment.client_id == sam.id),
                "check_in_id": _ids(CheckIn, CheckIn.client_id == sam.id),
                "assessment_id": _ids(Assessment, Assessment.academy_id == academy_id),
                "activity_id": _ids(Activity, Activity.client_id == sam.id),
                "media_id": _ids(ExerciseMedia, ExerciseMedia.academy_id == academy_id),
            },
        )
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()


@pytest.fixture(autouse=True)
def _clean_database(app):
    """Replaces the suite's: the world stays for the whole module."""
    with app.app_context():
        yield
        db.session.rollback()
        db.session.remove()
