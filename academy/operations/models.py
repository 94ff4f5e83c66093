"""The readiness probe's one row."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from academy.extensions import db


class Heartbeat(db.Model):
    """Rewritten and committed by every ``GET /readyz``: a database that answers reads
    but cannot write (disk full, read-only) is not ready. Only the row with id 1."""

    __tablename__ = "heartbeat"

    id: Mapped[int] = mapped_column(primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
