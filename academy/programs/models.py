"""Programs (templates and client copies), their sessions and items, and assignments.

History survives edits: sessions and items are never updated or deleted once
written. Replacing a program's document retires the rows that changed (``retired_at``)
and inserts new ones, so a check-in that points at an item keeps pointing at what
the client was prescribed that day.
"""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from academy.common.models import Audited, Part, Timestamped, Versioned, one_of
from academy.common.search import keep_search_text
from academy.extensions import db
from academy.programs.dates import last_day
from academy.vocabularies import (
    ASSIGNMENT_STATUSES,
    DEFAULT_ITEM_KIND,
    ITEM_KINDS,
    SIDES,
    STAGES,
)

PROGRAM_KINDS = ("template", "client")
ITEM_DOSAGE = (
    "sets", "reps", "hold_seconds", "breaths", "duration_seconds", "distance_m", "rest_seconds",
    "planned_distance_m", "planned_duration_seconds",
)  # fmt: skip


class Program(Versioned, Timestamped, db.Model):
    __audit__ = Audited("program")
    __tablename__ = "programs"
    __table_args__ = (
        one_of("kind", PROGRAM_KINDS),
        sa.CheckConstraint(sa.text("weeks >= 1 AND weeks <= 52"), name="weeks_range"),
        sa.CheckConstraint(
            sa.text("(kind = 'client') = (client_id IS NOT NULL)"), name="client_program_has_client"
        ),
        sa.Index("ix_programs_academy_id_kind_name", "academy_id", "kind", "name"),
        sa.Index("ix_programs_client_id", "client_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    academy_id: Mapped[int] = mapped_column(sa.ForeignKey("academies.id"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    # Set for a client's own copy, made when a program is assigned.
    client_id: Mapped[int | None] = mapped_column(sa.ForeignKey("clients.id"))
    source_program_id: Mapped[int | None] = mapped_column(sa.ForeignKey("programs.id"))
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    goal: Mapped[str] = mapped_column(sa.Text, default="")
    weeks: Mapped[int] = mapped_column(sa.Integer)
    archived_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # The name as searched (``academy.common.search``), kept up to date on write.
    search_text: Mapped[str] = mapped_column(sa.Text, default="")

    sessions: Mapped[list["ProgramSession"]] = relationship(
        primaryjoin="and_(ProgramSession.program_id == Program.id, "
        "ProgramSession.retired_at.is_(None))",
        order_by="(ProgramSession.week, ProgramSession.day)",
        viewonly=True,
    )

    @property
    def archived(self) -> bool:
        return self.archived_at is not None


keep_search_text(Program, "name")


class ProgramSession(db.Model):
    """One day of a program. Immutable: an edit retires it and writes a new row."""

    __audit__ = Part("program", "program_id", "sessions")
    __tablename__ = "program_sessions"
    __table_args__ = (
        sa.CheckConstraint(sa.text("week >= 1 AND week <= 52"), name="week_range"),
        sa.CheckConstraint(sa.text("day >= 1 AND day <= 7"), name="day_range"),
        # (week, day) is unique among the sessions in force; retired ones stay as history.
        sa.Index(
            "uq_program_sessions_current_week_day",
            "program_id",
            "week",
            "day",
            unique=True,
            sqlite_where=sa.text("retired_at IS NULL"),
            postgresql_where=sa.text("retired_at IS NULL"),
        ),
        sa.Index("ix_program_sessions_program_id", "program_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("programs.id"))
    week: Mapped[int] = mapped_column(sa.Integer)
    day: Mapped[int] = mapped_column(sa.Integer)
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    retired_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    items: Mapped[list["ProgramItem"]] = relationship(
        order_by="ProgramItem.position", cascade="all", back_populates="session"
    )


class ProgramItem(db.Model):
    """One prescribed exercise or run of a session. Immutable, like its session.

    A run item (``kind`` run) names no exercise: its ``run`` holds the run's type and
    steps, and its planned distance and duration are worked out from them when written.
    """

    __audit__ = Part("program", "session.program_id", "sessions")
    __tablename__ = "program_items"
    __table_args__ = (
        one_of("kind", ITEM_KINDS),
        one_of("stage", STAGES),
        one_of("side", SIDES),
        sa.CheckConstraint(
            sa.text("(kind = 'run') = (exercise_id IS NULL)"), name="run_has_no_exercise"
        ),
        *(
            sa.CheckConstraint(sa.text(f"{f} IS NULL OR {f} >= 0"), name=f"{f}_positive")
            for f in ITEM_DOSAGE
        ),
        sa.Index("ix_program_items_session_id_position", "session_id", "position"),
        sa.Index("ix_program_items_exercise_id", "exercise_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("program_sessions.id"))
    position: Mapped[int] = mapped_column(sa.Integer)
    kind: Mapped[str] = mapped_column(sa.String(16), default=DEFAULT_ITEM_KIND)
    exercise_id: Mapped[int | None] = mapped_column(sa.ForeignKey("exercises.id"))
    # {type, steps: [...]} of a run item (``academy.programs.runs``).
    run: Mapped[dict | None] = mapped_column(sa.JSON(none_as_null=True))
    planned_distance_m: Mapped[int | None] = mapped_column(sa.Integer)
    planned_duration_seconds: Mapped[int | None] = mapped_column(sa.Integer)
    stage: Mapped[str] = mapped_column(sa.String(16))
    group: Mapped[str | None] = mapped_column(sa.String(20))
    sets: Mapped[int | None] = mapped_column(sa.Integer)
    reps: Mapped[int | None] = mapped_column(sa.Integer)
    hold_seconds: Mapped[int | None] = mapped_column(sa.Integer)
    breaths: Mapped[int | None] = mapped_column(sa.Integer)
    duration_seconds: Mapped[int | None] = mapped_column(sa.Integer)
    distance_m: Mapped[int | None] = mapped_column(sa.Integer)
    load: Mapped[str | None] = mapped_column(sa.String(60))
    tempo: Mapped[str | None] = mapped_column(sa.String(20))
    rest_seconds: Mapped[int | None] = mapped_column(sa.Integer)
    side: Mapped[str] = mapped_column(sa.String(16), default="both")
    notes: Mapped[str] = mapped_column(sa.Text, default="")

    session: Mapped[ProgramSession] = relationship(back_populates="items")


class Assignment(Versioned, Timestamped, db.Model):
    """A client's copy of a program, scheduled from ``start_date``."""

    __audit__ = Audited("assignment")
    __tablename__ = "assignments"
    __table_args__ = (
        one_of("status", ASSIGNMENT_STATUSES),
        sa.Index("ix_assignments_client_id_status", "client_id", "status"),
        sa.Index("ix_assignments_academy_id", "academy_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    academy_id: Mapped[int] = mapped_column(sa.ForeignKey("academies.id"))
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"))
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("programs.id"), unique=True)
    template_id: Mapped[int | None] = mapped_column(sa.ForeignKey("programs.id"))
    start_date: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(16), default="active")
    notes: Mapped[str] = mapped_column(sa.Text, default="")

    program: Mapped[Program] = relationship(
        foreign_keys=[program_id], lazy="joined", innerjoin=True
    )

    @property
    def end_date(self) -> date:
        return last_day(self.start_date, self.program.weeks)
