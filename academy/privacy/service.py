"""What the service holds about a person, and erasing a client.

Erasing keeps the coach's aggregate history (sessions done, ratings by date) but
without the person: their name, email, password, free-text notes and summaries go,
their activity files and form-check videos (rows and files),
their tokens and invitations stop working, and they vanish from the client list.
"""

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from academy.activities import service as activities
from academy.assessments.models import Assessment
from academy.audit.models import AuditEntry
from academy.auth.models import Invitation, PasswordReset, User
from academy.auth.passwords import verify_password
from academy.auth.service import close_codes, revoke_all
from academy.calendar.models import CalendarFeed
from academy.checkins import service as checkins
from academy.checkins.models import CheckIn
from academy.clients.models import Client
from academy.common.idempotency import IdempotencyKey
from academy.common.tenancy import scoped
from academy.common.time import utcnow
from academy.errors import Forbidden, Unprocessable
from academy.extensions import db
from academy.mail.models import OutboxMail
from academy.messages.models import Message
from academy.programs.models import Assignment

ERASED_NAME = "Erased client"


def export(actor: User) -> dict:
    """Everything held about the caller, as the caller may see it (``ExportSchema``)."""
    document: dict = {"account": actor}
    if actor.role == "client":
        client = db.session.get_one(Client, actor.id)
        document["profile"] = client
        document["assignments"] = db.session.scalars(
            scoped(Assignment, actor).order_by(Assignment.start_date)
        ).all()
        check_ins = db.session.scalars(
            scoped(CheckIn, actor).options(*checkins.LOAD_CHILDREN).order_by(CheckIn.date)
        ).all()
        document["check_ins"] = checkins.present(check_ins)
        document["assessments"] = db.session.scalars(
            scoped(Assessment, actor)
            .where(Assessment.shared_with_client.is_(True), Assessment.archived_at.is_(None))
            .order_by(Assessment.assessed_on)
        ).all()
        document["activities"] = activities.export(actor)
        document["messages"] = db.session.scalars(scoped(Message, actor).order_by(Message.id)).all()
    document["activity"] = db.session.scalars(
        scoped(AuditEntry, actor).where(AuditEntry.actor_id == actor.id).order_by(AuditEntry.at)
    ).all()
    return document


def erase_client(actor: User, password: str) -> None:
    if actor.role != "client":
        raise Forbidden("Only a client account can be erased here; ask the academy owner.")
    if not verify_password(actor.password_hash, password):
        raise Unprocessable("The password is wrong.", errors={"password": ["Wrong password."]})
    client = db.session.get_one(Client, actor.id)
    # Mail to them, sent or waiting, names them (and the address goes now).
    db.session.execute(sa.delete(OutboxMail).where(OutboxMail.recipient == actor.email))
    actor.name = ERASED_NAME
    actor.email = f"erased-{actor.id}@erased.invalid"
    actor.password_hash = None
    actor.status = "erased"
    client.status = "archived"
    client.goals = client.coach_notes = ""
    client.target_race = client.target_race_date = client.weekly_volume_km = None
    client.birth_date = None
    client.updated_at = utcnow()
    # Free text may name or describe the person; the numbers stay for the coach's history.
    # Through the ORM rather than bulk UPDATEs: the audit log records writes from the
    # session's change tracking, and assessments must get a new version (their ETag).
    for check_in in db.session.scalars(
        scoped(CheckIn, actor).options(selectinload(CheckIn.results))
    ):
        check_in.notes = ""
        for result in check_in.results:
            result.notes = ""
    for assessment in db.session.scalars(scoped(Assessment, actor)):
        assessment.notes = assessment.client_summary = assessment.gait_notes = ""
    # Activity files hold where the person ran, form-check videos show them: they go,
    # with their rows.
    activities.erase(actor)
    checkins.erase_form_checks(actor)
    db.session.execute(sa.delete(CalendarFeed).where(CalendarFeed.client_id == actor.id))
    # Both sides of the thread: the coaches' words describe the client as well.
    for message in db.session.scalars(scoped(Message, actor)):
        message.body = ""
    db.session.execute(sa.delete(IdempotencyKey).where(IdempotencyKey.user_id == actor.id))
    for code in (Invitation, PasswordReset):
        close_codes(code, actor.id, utcnow())
    revoke_all(actor.id)
    db.session.flush()
