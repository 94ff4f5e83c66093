"""Activities: one sport's part of a watch's file (the whole file but for a multisport
one, which is an activity a leg), its summary and splits, and where the original is
kept."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from academy.common.models import Timestamped, one_of
from academy.extensions import db
from academy.vocabularies import ACTIVITY_FORMATS, ACTIVITY_KINDS, ACTIVITY_SPORTS


class Activity(Timestamped, db.Model):
    __tablename__ = "activities"
    __table_args__ = (
        one_of("format", ACTIVITY_FORMATS),
        one_of("sport", ACTIVITY_SPORTS),
        one_of("kind", ACTIVITY_KINDS),
        # The same file twice is the same activities (the upload answers the first).
        sa.UniqueConstraint("client_id", "content_hash", "leg"),
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
    # A run (a running sport) or cross-training (any other).
    kind: Mapped[str] = mapped_column(sa.String(16))
    # Its place among its file's legs: 1 for the first (and for a file of one sport).
    leg: Mapped[int] = mapped_column(sa.Integer, default=1)
    started_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    # The day it started on in the client's timezone.
    date: Mapped[date] = mapped_column(sa.Date)
    distance_m: Mapped[float] = mapped_column(sa.Float)
    duration_seconds: Mapped[int] = mapped_column(sa.Integer)
    moving_seconds: Mapped[int] = mapped_column(sa.Integer)
    elevation_gain_m: Mapped[float | None] = mapped_column(sa.Float)
    avg_hr: Mapped[int | None] = mapped_column(sa.Integer)
    max_hr: Mapped[int | None] = mapped_column(sa.Integer)
    # Steps a minute, on foot; the watch's own count (pedal revolutions, strokes) in
    # the other sports.
    avg_cadence_spm: Mapped[int | None] = mapped_column(sa.Integer)
    avg_cadence_rpm: Mapped[int | None] = mapped_column(sa.Integer)
    splits: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    # SHA-256 of the file as uploaded.
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    # Where the original lies in the file storage (``academy.activities.storage``): the
    # legs of a file share it.
    file_key: Mapped[str] = mapped_column(sa.String(200))
    file_name: Mapped[str] = mapped_column(sa.String(255), default="")
    file_size: Mapped[int] = mapped_column(sa.Integer)

    # Every activity of its file, itself included, in the order of their legs.
    legs: Mapped[list["Activity"]] = relationship(
        primaryjoin="Activity.file_key == foreign(remote(Activity.file_key))",
        viewonly=True,
        order_by="Activity.leg",
        lazy="selectin",
        join_depth=1,
    )
