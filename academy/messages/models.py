"""Messages: a thread per client between the client and the academy's coaches."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from academy.auth.models import User
from academy.common.models import Audited
from academy.common.time import utcnow
from academy.extensions import db

MAX_BODY = 5000


class Message(db.Model):
    """One message of a client's thread, written by the client or one of the academy's
    coaches, optionally about one of the client's check-ins. ``read_at`` is set when the
    other side marks it read (any coach, for a client's message)."""

    __audit__ = Audited("message")  # the audit row names fields, never the text
    __tablename__ = "messages"
    __table_args__ = (
        sa.Index("ix_messages_client_id_id", "client_id", "id"),
        sa.Index("ix_messages_client_id_check_in_id", "client_id", "check_in_id"),
        # The unread counts: per academy (a coach's), per client (both sides').
        sa.Index(
            "ix_messages_academy_id_from_client_read_at", "academy_id", "from_client", "read_at"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    academy_id: Mapped[int] = mapped_column(sa.ForeignKey("academies.id"))
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    # Whether the client wrote it (else a coach did): which side may mark it read.
    from_client: Mapped[bool] = mapped_column(sa.Boolean)
    # A check-in deleted later leaves its messages in the thread, about no check-in.
    check_in_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("check_ins.id", ondelete="SET NULL")
    )
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    author: Mapped[User] = relationship(lazy="joined", innerjoin=True)
