"""The outbox: every mail Academy sends, from the request that wrote it until sent."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from academy.common.models import one_of
from academy.extensions import db

# pending: waiting for its next attempt; sending: claimed by a worker until
# lease_until; sent: accepted by the mail server; failed: refused for good.
MAIL_STATUSES = ("pending", "sending", "sent", "failed")


class OutboxMail(db.Model):
    __tablename__ = "outbox_mails"
    __table_args__ = (
        one_of("status", MAIL_STATUSES),
        sa.UniqueConstraint("message_id", name="uq_outbox_mails_message_id"),
        sa.Index("ix_outbox_mails_status_due_at", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The RFC 5322 Message-ID, fixed when the mail is written: every attempt sends the
    # same one, so a mail sent twice (a worker died after the server took it and
    # before it could say so) is one mail to the servers and readers that look.
    message_id: Mapped[str] = mapped_column(sa.String(255))
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    # Emptied once the mail is sent or refused (it may hold a working code).
    text: Mapped[str] = mapped_column(sa.Text)
    html: Mapped[str] = mapped_column(sa.Text)
    # What kind of mail (its template), for the log: the log never shows the content.
    template: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    # When a pending mail is next tried; when a sending one's claim runs out.
    due_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    # Which worker's claim it is, so that a worker whose lease ran out (and whose mail
    # another took up) does not mark the other's work.
    claim: Mapped[str | None] = mapped_column(sa.String(64))
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
