"""Check-ins: what a client did on a day and how their body felt, left and right."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from academy.common.models import Audited, Part, Timestamped, Versioned, between, one_of
from academy.common.time import utcnow
from academy.extensions import db
from academy.vocabularies import (
    BODY_SIDES,
    MEDIA_KINDS,
    PAIN,
    REGIONS,
    RPE,
    SIDES,
    TIGHTNESS,
    WELLNESS,
)

# The unique index by which a session of an assignment holds one check-in.
ONE_PER_SESSION = "uq_check_ins_assignment_id_session_id"


class CheckIn(Versioned, Timestamped, db.Model):
    __audit__ = Audited("check_in")
    __tablename__ = "check_ins"
    __table_args__ = (
        between("rpe", *RPE),
        between("stress", *WELLNESS),
        between("energy", *WELLNESS),
        between("soreness", *WELLNESS),
        sa.CheckConstraint(
            sa.text("sleep_hours IS NULL OR (sleep_hours >= 0 AND sleep_hours <= 24)"),
            name="sleep_hours_range",
        ),
        *(
            sa.CheckConstraint(sa.text(f"{c} IS NULL OR {c} >= 0"), name=f"{c}_positive")
            for c in ("duration_minutes", "run_distance_km", "run_duration_minutes", "cadence_spm")
        ),
        sa.Index("ix_check_ins_client_id_date", "client_id", "date"),
        sa.Index("ix_check_ins_academy_id_date", "academy_id", "date"),
        # A session of an assignment holds one check-in: the service says
        # so with the existing one's id; this index settles two at once.
        sa.Index(
            ONE_PER_SESSION,
            "assignment_id",
            "session_id",
            unique=True,
            sqlite_where=sa.text("session_id IS NOT NULL"),
            postgresql_where=sa.text("session_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    academy_id: Mapped[int] = mapped_column(sa.ForeignKey("academies.id"))
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"))
    date: Mapped[date] = mapped_column(sa.Date)
    assignment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("assignments.id"))
    # The session row as it was prescribed that day (sessions are never rewritten).
    session_id: Mapped[int | None] = mapped_column(sa.ForeignKey("program_sessions.id"))
    completed: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    rpe: Mapped[int | None] = mapped_column(sa.Integer)
    duration_minutes: Mapped[int | None] = mapped_column(sa.Integer)
    sleep_hours: Mapped[float | None] = mapped_column(sa.Float)
    stress: Mapped[int | None] = mapped_column(sa.Integer)
    energy: Mapped[int | None] = mapped_column(sa.Integer)
    soreness: Mapped[int | None] = mapped_column(sa.Integer)
    run_distance_km: Mapped[float | None] = mapped_column(sa.Float)
    run_duration_minutes: Mapped[float | None] = mapped_column(sa.Float)
    cadence_spm: Mapped[int | None] = mapped_column(sa.Integer)
    notes: Mapped[str] = mapped_column(sa.Text, default="")

    results: Mapped[list["CheckInResult"]] = relationship(
        cascade="all, delete-orphan", order_by="CheckInResult.position", passive_deletes=True
    )
    ratings: Mapped[list["CheckInRating"]] = relationship(
        cascade="all, delete-orphan", order_by="CheckInRating.position", passive_deletes=True
    )
    media: Mapped[list["CheckInMedia"]] = relationship(
        cascade="all, delete-orphan", order_by="CheckInMedia.id", passive_deletes=True
    )


class CheckInResult(db.Model):
    """How one prescribed item went."""

    __audit__ = Part("check_in", "check_in_id", "results")
    __tablename__ = "check_in_results"
    __table_args__ = (
        one_of("side", SIDES, nullable=True),
        sa.Index("ix_check_in_results_check_in_id", "check_in_id"),
        sa.Index("ix_check_in_results_item_id", "item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    check_in_id: Mapped[int] = mapped_column(sa.ForeignKey("check_ins.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(sa.Integer)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("program_items.id"))
    completed: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    sets_done: Mapped[int | None] = mapped_column(sa.Integer)
    reps_done: Mapped[int | None] = mapped_column(sa.Integer)
    side: Mapped[str | None] = mapped_column(sa.String(16))
    felt_in: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    notes: Mapped[str] = mapped_column(sa.Text, default="")


class CheckInRating(db.Model):
    """Tightness and pain in one region on one side. Client and date are copied here so
    that trends and the dashboard read one indexed table."""

    __audit__ = Part("check_in", "check_in_id", "ratings")
    __tablename__ = "check_in_ratings"
    __table_args__ = (
        one_of("region", REGIONS),
        one_of("side", BODY_SIDES),
        between("tightness", *TIGHTNESS),
        between("pain", *PAIN),
        sa.Index("ix_check_in_ratings_client_id_region_date", "client_id", "region", "date"),
        sa.Index("ix_check_in_ratings_academy_id_date_pain", "academy_id", "date", "pain"),
        sa.Index("ix_check_in_ratings_check_in_id", "check_in_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    check_in_id: Mapped[int] = mapped_column(sa.ForeignKey("check_ins.id", ondelete="CASCADE"))
    academy_id: Mapped[int] = mapped_column(sa.ForeignKey("academies.id"))
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"))
    date: Mapped[date] = mapped_column(sa.Date)
    position: Mapped[int] = mapped_column(sa.Integer)
    region: Mapped[str] = mapped_column(sa.String(32))
    side: Mapped[str] = mapped_column(sa.String(8))
    tightness: Mapped[int | None] = mapped_column(sa.Integer)
    pain: Mapped[int | None] = mapped_column(sa.Integer)


class ClientSummary(db.Model):
    """What the dashboard and the coach's client list filter and sort by, for one client:
    written by ``academy.checkins.summaries`` in the transaction of every write that
    changes it, for each day from ``since`` on, so that a read picks the character of the
    client's today instead of working it out from their history."""

    __tablename__ = "client_summaries"

    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True
    )
    last_check_in: Mapped[date | None] = mapped_column(sa.Date)
    # The day the strings start from, and the strings: a character a day (``attention``)
    # and five a day (``compliance_7d``); see ``academy.checkins.summaries``.
    since: Mapped[date] = mapped_column(sa.Date)
    attention: Mapped[str] = mapped_column(sa.Text)
    compliance_7d: Mapped[str] = mapped_column(sa.Text)


class CheckInMedia(db.Model):
    """A form-check video a client attached to a check-in, kept in the file storage
    (``academy.files``); the coach answers in the check-in's message thread."""

    __audit__ = Part("check_in", "check_in_id", "media")
    __tablename__ = "check_in_media"
    __table_args__ = (
        one_of("kind", MEDIA_KINDS),
        sa.CheckConstraint(sa.text("bytes >= 0"), name="bytes_positive"),
        sa.Index("ix_check_in_media_check_in_id", "check_in_id"),
        sa.Index("ix_check_in_media_client_id", "client_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    check_in_id: Mapped[int] = mapped_column(sa.ForeignKey("check_ins.id", ondelete="CASCADE"))
    academy_id: Mapped[int] = mapped_column(sa.ForeignKey("academies.id"))
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"))
    kind: Mapped[str] = mapped_column(sa.String(8), default="video")
    caption: Mapped[str] = mapped_column(sa.String(500), default="")
    content_type: Mapped[str] = mapped_column(sa.String(40))
    bytes: Mapped[int] = mapped_column(sa.BigInteger)
    file_key: Mapped[str] = mapped_column(sa.String(512))
    # Videos have none; the column keeps the shape every media answer has.
    thumbnail_key: Mapped[str | None] = mapped_column(sa.String(512))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
