"""Every domain's models, imported so that Alembic and the app see every table."""

from academy.auth.models import Academy, AuthToken, Invitation, User
from academy.clients.models import Client
from academy.exercises.models import Exercise, ExerciseFinding, ExerciseRegion

__all__ = [
    "Academy",
    "AuthToken",
    "Client",
    "Exercise",
    "ExerciseFinding",
    "ExerciseRegion",
    "Invitation",
    "User",
]
