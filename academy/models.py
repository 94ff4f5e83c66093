"""Every domain's models, imported so that Alembic and the app see every table."""

from academy.activities.models import Activity
from academy.assessments.models import Assessment
from academy.audit.models import AuditEntry
from academy.auth.models import Academy, AuthToken, Invitation, RateLimitHit, User
from academy.calendar.models import CalendarFeed
from academy.checkins.models import CheckIn, CheckInMedia, CheckInRating, CheckInResult
from academy.clients.models import Client
from academy.common.idempotency import IdempotencyKey
from academy.exercises.models import Exercise, ExerciseFinding, ExerciseMedia, ExerciseRegion
from academy.messages.models import Message
from academy.operations.models import Heartbeat
from academy.programs.models import Assignment, Program, ProgramItem, ProgramSession

__all__ = [
    "Academy",
    "Activity",
    "Assessment",
    "Assignment",
    "AuditEntry",
    "AuthToken",
    "CalendarFeed",
    "CheckIn",
    "CheckInMedia",
    "CheckInRating",
    "CheckInResult",
    "Client",
    "Exercise",
    "ExerciseFinding",
    "ExerciseMedia",
    "ExerciseRegion",
    "Heartbeat",
    "IdempotencyKey",
    "Invitation",
    "Message",
    "Program",
    "ProgramItem",
    "ProgramSession",
    "RateLimitHit",
    "User",
]
