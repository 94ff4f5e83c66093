"""A client's thread: reading it, writing to it, marking the other side's messages
read, and the unread counts that ``/me``, the client list and the dashboard show.

A client reads and writes their own thread only; a coach, the thread of any client of
the academy. Another academy's client, and another client's check-in, do not exist
for the caller (404). The text of a message is never logged nor audited.
"""

import sqlalchemy as sa

from academy.checkins.models import CheckIn
from academy.clients.models import Client
from academy.common import figures
from academy.common.auth import Actor, account_of
from academy.common.sql import rows_changed
from academy.common.tenancy import get_scoped, scoped
from academy.common.time import utcnow
from academy.errors import Conflict, NotFound, Unprocessable
from academy.extensions import db
from academy.messages.models import Message


def _thread_of(actor: Actor, client_id: int | None) -> Client:
    """The client whose thread the caller means: their own (a client) or one of the
    academy's (a coach), else 404."""
    return get_scoped(Client, actor.id if client_id is None else client_id, actor, what="client")


def _written_by_other_side(actor: Actor) -> sa.ColumnElement[bool]:
    """The messages the caller may mark read: a coach reads the client's, and the client
    the coaches'."""
    return Message.from_client.is_(actor.role != "client")


def thread(
    actor: Actor, client_id: int | None = None, check_in_id: int | None = None
) -> sa.Select[Message]:
    """The thread, newest first; with ``check_in_id``, only its messages about that
    check-in (which must be the client's: 404 otherwise)."""
    client = _thread_of(actor, client_id)
    stmt = scoped(Message, actor).where(Message.client_id == client.id)
    if check_in_id is not None:
        if _check_in(actor, client.id, check_in_id) is None:
            raise NotFound(f"No check-in {check_in_id} of this client.")
        stmt = stmt.where(Message.check_in_id == check_in_id)
    return stmt.order_by(Message.id.desc())


def _check_in(actor: Actor, client_id: int, check_in_id: int) -> int | None:
    return db.session.scalar(
        scoped(CheckIn, actor, CheckIn.id).where(
            CheckIn.id == check_in_id, CheckIn.client_id == client_id
        )
    )


def read_message(actor: Actor, message_id: int) -> Message:
    return get_scoped(Message, message_id, actor, what="message")


def post_message(actor: Actor, data: dict, client_id: int | None = None) -> Message:
    client = _thread_of(actor, client_id)
    if client.status != "active":
        raise Conflict("The client is archived; restore them to write to them.")
    check_in_id = data.get("check_in_id")
    if check_in_id is not None and _check_in(actor, client.id, check_in_id) is None:
        raise Unprocessable(
            "The request did not pass validation.",
            errors={"check_in_id": ["No such check-in of this client."]},
        )
    message = Message(
        academy_id=client.academy_id,
        client_id=client.id,
        author=account_of(actor),
        from_client=actor.role == "client",
        check_in_id=check_in_id,
        body=data["body"],
        created_at=utcnow(),
    )
    db.session.add(message)
    db.session.flush()
    return message


def mark_read(actor: Actor, up_to_id: int, client_id: int | None = None) -> dict:
    """Mark the other side's unread messages of the thread up to ``up_to_id`` read."""
    client = _thread_of(actor, client_id)
    unread = (
        Message.client_id == client.id,
        Message.academy_id == client.academy_id,
        _written_by_other_side(actor),
        Message.read_at.is_(None),
    )
    marked = rows_changed(
        sa.update(Message)
        .where(*unread, Message.id <= up_to_id)
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    left = db.session.scalar(scoped(Message, actor, sa.func.count()).where(*unread))
    return {"marked": marked, "unread_messages": left}


def unread_by_client(actor: Actor, client_ids: list[int] | None = None) -> dict[int, int]:
    """For a coach: each client's messages no coach has read yet (of ``client_ids``, or
    of every client). One statement."""
    if client_ids is not None and not client_ids:
        return {}
    stmt = (
        scoped(Message, actor, Message.client_id, sa.func.count())
        .where(Message.from_client.is_(True), Message.read_at.is_(None))
        .group_by(Message.client_id)
    )
    if client_ids is not None:
        stmt = stmt.where(Message.client_id.in_(client_ids))
    return dict(db.session.execute(stmt).all())


@figures.unread_total.provide
def unread_total(actor: Actor) -> int:
    """The other side's messages the caller has not read: a client's, from coaches; a
    coach's, from the academy's active clients."""
    stmt = scoped(Message, actor, sa.func.count()).where(
        _written_by_other_side(actor), Message.read_at.is_(None)
    )
    if actor.role != "client":
        stmt = (
            stmt.select_from(Message)
            .join(Client, Client.id == Message.client_id)
            .where(Client.status == "active")
        )
    return db.session.scalar(stmt) or 0
