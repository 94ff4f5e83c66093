"""A client's calendar feed: the secret of its address, stored hashed."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from academy.extensions import db


class CalendarFeed(db.Model):
    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    academy_id: Mapped[int] = mapped_column(sa.ForeignKey("academies.id"))
    # One address per client: asking for another replaces it.
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"), unique=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
