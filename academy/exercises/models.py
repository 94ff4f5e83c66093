"""Exercises: the global catalogue (no academy) and each academy's own."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from academy.common.models import Timestamped, one_of
from academy.common.search import keep_search_text
from academy.common.time import utcnow
from academy.exercises import typing
from academy.extensions import db
from academy.vocabularies import (
    CATEGORIES,
    FINDINGS,
    IMPACT_LEVELS,
    LATERALITY,
    MEDIA_KINDS,
    PRESSURE_LEVELS,
    REGIONS,
    SIDE_BIASES,
    SPINE_POSITIONS,
    STAGES,
)

DOSAGE_FIELDS = ("sets", "reps", "hold_seconds", "breaths", "duration_seconds")

# An exercise's ladder: each row says ``harder_id`` is the next step up from ``easier_id``.
exercise_ladder = sa.Table(
    "exercise_ladder",
    db.metadata,
    sa.Column("easier_id", sa.ForeignKey("exercises.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("harder_id", sa.ForeignKey("exercises.id", ondelete="CASCADE"), primary_key=True),
    sa.CheckConstraint(sa.text("easier_id <> harder_id"), name="not_itself"),
    sa.Index("ix_exercise_ladder_harder_id", "harder_id"),
)


class Exercise(Timestamped, db.Model):
    __tablename__ = "exercises"
    __table_args__ = (
        one_of("category", CATEGORIES),
        one_of("stage", STAGES),
        one_of("laterality", LATERALITY),
        one_of("side_bias", SIDE_BIASES, nullable=True),
        one_of("impact", IMPACT_LEVELS),
        one_of("spine", SPINE_POSITIONS),
        one_of("pressure", PRESSURE_LEVELS),
        *(
            sa.CheckConstraint(sa.text(f"{f} IS NULL OR {f} >= 0"), name=f"{f}_positive")
            for f in DOSAGE_FIELDS
        ),
        sa.UniqueConstraint("academy_id", "slug", name="uq_exercises_academy_id_slug"),
        # NULLs are distinct in the constraint above, so global slugs get their own index.
        sa.Index(
            "uq_exercises_global_slug",
            "slug",
            unique=True,
            sqlite_where=sa.text("academy_id IS NULL"),
            postgresql_where=sa.text("academy_id IS NULL"),
        ),
        sa.Index("ix_exercises_academy_id_name", "academy_id", "name"),
        sa.Index("ix_exercises_category", "category"),
        sa.Index("ix_exercises_stage", "stage"),
        sa.Index("ix_exercises_laterality", "laterality"),
        sa.Index("ix_exercises_impact", "impact"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL: the global catalogue, readable by every coach and changeable by none.
    academy_id: Mapped[int | None] = mapped_column(sa.ForeignKey("academies.id"))
    slug: Mapped[str] = mapped_column(sa.String(120))
    name: Mapped[str] = mapped_column(sa.String(200))
    aliases: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    cues: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    category: Mapped[str] = mapped_column(sa.String(32))
    stage: Mapped[str] = mapped_column(sa.String(16))
    laterality: Mapped[str] = mapped_column(sa.String(16))
    side_bias: Mapped[str | None] = mapped_column(sa.String(8))
    sets: Mapped[int | None] = mapped_column(sa.Integer)
    reps: Mapped[int | None] = mapped_column(sa.Integer)
    hold_seconds: Mapped[int | None] = mapped_column(sa.Integer)
    breaths: Mapped[int | None] = mapped_column(sa.Integer)
    duration_seconds: Mapped[int | None] = mapped_column(sa.Integer)
    equipment: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    video_url: Mapped[str | None] = mapped_column(sa.String(500))
    # Words of the precautions vocabulary, checked by the schema.
    precautions: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # What it asks of the body (``academy.exercises.typing``): how hard it lands, each
    # region it loads as ``{region, level}``, the trunk position it takes towards end
    # range, the intra-abdominal pressure it asks for. An exercise written without them
    # is typed conservatively when it is first stored.
    impact: Mapped[str] = mapped_column(sa.String(16))
    loads: Mapped[list[dict]] = mapped_column(sa.JSON)
    spine: Mapped[str] = mapped_column(sa.String(16))
    pressure: Mapped[str] = mapped_column(sa.String(16))
    # When to move on to the next step of its ladder.
    progress_when: Mapped[str] = mapped_column(sa.Text, default="")
    # What a `left_bias`/`right_bias` prescription of this exercise means.
    bias_means: Mapped[str] = mapped_column(sa.Text, default="")
    variation_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("exercises.id"), index=True)
    # Name, aliases and cues as searched (``academy.common.search``), kept up to date on
    # write: `q` matches the same way on every database.
    search_text: Mapped[str] = mapped_column(sa.Text, default="")
    archived_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    region_rows: Mapped[list["ExerciseRegion"]] = relationship(
        cascade="all, delete-orphan", order_by="ExerciseRegion.position"
    )
    finding_rows: Mapped[list["ExerciseFinding"]] = relationship(
        cascade="all, delete-orphan", order_by="ExerciseFinding.position"
    )
    harder_rows: Mapped[list["Exercise"]] = relationship(
        secondary=exercise_ladder,
        primaryjoin=lambda: Exercise.id == exercise_ladder.c.easier_id,
        secondaryjoin=lambda: Exercise.id == exercise_ladder.c.harder_id,
        order_by=lambda: (Exercise.name, Exercise.id),
        back_populates="easier_rows",
    )
    # The pictures and videos of the exercise; each academy sees its own (a loader
    # narrows them to the caller's academy: ``service.list_options``).
    media: Mapped[list["ExerciseMedia"]] = relationship(
        order_by="ExerciseMedia.id", viewonly=True, lazy="raise"
    )
    easier_rows: Mapped[list["Exercise"]] = relationship(
        secondary=exercise_ladder,
        primaryjoin=lambda: Exercise.id == exercise_ladder.c.harder_id,
        secondaryjoin=lambda: Exercise.id == exercise_ladder.c.easier_id,
        order_by=lambda: (Exercise.name, Exercise.id),
        back_populates="harder_rows",
    )

    @property
    def regions(self) -> list[str]:
        return [row.region for row in self.region_rows]

    @property
    def addresses(self) -> list[str]:
        return [row.finding for row in self.finding_rows]

    @property
    def is_global(self) -> bool:
        return self.academy_id is None

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    def _rungs(self, rows: list["Exercise"]) -> list["Exercise"]:
        # A global exercise shows only global steps: an academy's own ladder onto it stays
        # that academy's.
        return [
            e for e in rows if e.archived_at is None and e.academy_id in (None, self.academy_id)
        ]

    @property
    def easier(self) -> list["Exercise"]:
        return self._rungs(self.easier_rows)

    @property
    def harder(self) -> list["Exercise"]:
        return self._rungs(self.harder_rows)

    @property
    def dosage(self) -> dict:
        return {field: getattr(self, field) for field in DOSAGE_FIELDS}


keep_search_text(Exercise, "name", "aliases", "cues")
# Every path that stores a new exercise types it, the API's as much as a script's.
sa.event.listen(Exercise, "before_insert", lambda _mapper, _conn, target: typing.fill_in(target))


class ExerciseRegion(db.Model):
    """A body region an exercise works; one row per region, indexed for filters."""

    __tablename__ = "exercise_regions"
    __table_args__ = (
        one_of("region", REGIONS),
        sa.Index("ix_exercise_regions_region", "region", "exercise_id"),
    )

    exercise_id: Mapped[int] = mapped_column(
        sa.ForeignKey("exercises.id", ondelete="CASCADE"), primary_key=True
    )
    region: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    position: Mapped[int] = mapped_column(sa.Integer, default=0)


class ExerciseFinding(db.Model):
    """An assessment finding an exercise helps with."""

    __tablename__ = "exercise_findings"
    __table_args__ = (
        one_of("finding", FINDINGS),
        sa.Index("ix_exercise_findings_finding", "finding", "exercise_id"),
    )

    exercise_id: Mapped[int] = mapped_column(
        sa.ForeignKey("exercises.id", ondelete="CASCADE"), primary_key=True
    )
    finding: Mapped[str] = mapped_column(sa.String(48), primary_key=True)
    position: Mapped[int] = mapped_column(sa.Integer, default=0)


class ExerciseMedia(db.Model):
    """A picture or video of an exercise, kept in the file storage (``academy.files``).

    It belongs to an academy: coaches add it to their academy's own exercises, and the
    demo academy's drawings sit on the global signature exercises it coaches with.
    """

    __tablename__ = "exercise_media"
    __table_args__ = (
        one_of("kind", MEDIA_KINDS),
        sa.CheckConstraint(sa.text("bytes >= 0"), name="bytes_positive"),
        sa.Index("ix_exercise_media_exercise_id_academy_id", "exercise_id", "academy_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    academy_id: Mapped[int] = mapped_column(sa.ForeignKey("academies.id"))
    exercise_id: Mapped[int] = mapped_column(sa.ForeignKey("exercises.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(8))
    caption: Mapped[str] = mapped_column(sa.String(500), default="")
    content_type: Mapped[str] = mapped_column(sa.String(40))
    bytes: Mapped[int] = mapped_column(sa.BigInteger)
    # Where the file and its thumbnail lie in the file storage (made by Academy).
    file_key: Mapped[str] = mapped_column(sa.String(512))
    thumbnail_key: Mapped[str | None] = mapped_column(sa.String(512))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
