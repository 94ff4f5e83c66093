"""Activities: a watch's file of one run, its summary and splits, and where the
original is kept."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from academy.common.models import Timestamped, one_of
from academy.extensions import db
from academy.vocabularies import ACTIVITY_FORMATS


class Activity(Timestamped, db.Model):
    __tablename__ = "activities"
    __table_args__ = (
        one_of("format", ACTIVITY_FORMATS),
        # The same file twice is the same activity (the upload answers the first).
        sa.UniqueConstraint("client_id", "content_hash"),
        sa.Index("ix_activities_client_id_date", "client_id", "date"),
        sa.Index("ix_activities_academy_id", "academy_id"),
        sa.Index("ix_activities_check_in_id", "check_in_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    academy_id: Mapped[int] = mapped_column(sa.ForeignKey("academies.id"))
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"))
    # The check-in it records; a check-in deleted by its client leaves the activity.
    check_in_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("check_ins.id", ondelete="SET NULL")
    )
    format: Mapped[str] = mapped_column(sa.String(8))
    sport: Mapped[str] = mapped_column(sa.String(40))
    started_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    # The day it started on in the client's timezone.
    date: Mapped[date] = mapped_column(sa.Date)
    distance_m: Mapped[float] = mapped_column(sa.Float)
    duration_seconds: Mapped[int] = mapped_column(sa.Integer)
    moving_seconds: Mapped[int] = mapped_column(sa.Integer)
    elevation_gain_m: Mapped[float | None] = mapped_column(sa.Float)
    avg_hr: Mapped[int | None] = mapped_column(sa.Integer)
    max_hr: Mapped[int | None] = mapped_column(sa.Integer)
    avg_cadence_spm: Mapped[int | None] = mapped_column(sa.Integer)
    splits: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    # SHA-256 of the file as uploaded.
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    # Where the original lies in the file storage (``academy.activities.storage``).
    file_key: Mapped[str] = mapped_column(sa.String(200))
    file_name: Mapped[str] = mapped_column(sa.String(255), default="")
    file_size: Mapped[int] = mapped_column(sa.Integer)
