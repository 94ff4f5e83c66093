"""Posture assessments: what the coach saw, left and right."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from academy.assessments import method
from academy.common.models import Audited, Timestamped, Versioned, between, one_of
from academy.extensions import db
from academy.vocabularies import (
    BREATHING_PATTERNS,
    HIP_DROP,
    RIB_FLARE,
    TILT_DIRECTIONS,
    TILT_GRADE,
)


class Assessment(Versioned, Timestamped, db.Model):
    __audit__ = Audited("assessment")
    __tablename__ = "assessments"
    __table_args__ = (
        one_of("tilt_left_direction", TILT_DIRECTIONS, nullable=True),
        one_of("tilt_right_direction", TILT_DIRECTIONS, nullable=True),
        between("tilt_left_grade", *TILT_GRADE),
        between("tilt_right_grade", *TILT_GRADE),
        one_of("rib_flare", RIB_FLARE, nullable=True),
        one_of("breathing_pattern", BREATHING_PATTERNS, nullable=True),
        one_of("gait_hip_drop", HIP_DROP, nullable=True),
        sa.CheckConstraint(
            sa.text("gait_cadence_spm IS NULL OR gait_cadence_spm >= 0"), name="cadence_positive"
        ),
        sa.Index("ix_assessments_client_id_assessed_on", "client_id", "assessed_on"),
        sa.Index("ix_assessments_academy_id", "academy_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    academy_id: Mapped[int] = mapped_column(sa.ForeignKey("academies.id"))
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"))
    assessed_on: Mapped[date] = mapped_column(sa.Date)
    tilt_left_direction: Mapped[str | None] = mapped_column(sa.String(16))
    tilt_left_grade: Mapped[int | None] = mapped_column(sa.Integer)
    tilt_right_direction: Mapped[str | None] = mapped_column(sa.String(16))
    tilt_right_grade: Mapped[int | None] = mapped_column(sa.Integer)
    rib_flare: Mapped[str | None] = mapped_column(sa.String(16))
    breathing_pattern: Mapped[str | None] = mapped_column(sa.String(16))
    glute_gripping: Mapped[bool | None] = mapped_column(sa.Boolean)
    # Words of the findings vocabulary, checked by the schema.
    findings: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # [{region, side, severity}], checked by the schema.
    tightness: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    # [{region, side, score, aggravated_by: [...]}], checked by the schema; entries
    # stored before aggravators were recorded have none.
    pain: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    # Words of the symptoms vocabulary, checked by the schema.
    symptoms: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # [{region, side, kind, on}] (``on`` an ISO date), checked by the schema.
    injuries: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    gait_cadence_spm: Mapped[int | None] = mapped_column(sa.Integer)
    gait_overstride: Mapped[bool | None] = mapped_column(sa.Boolean)
    # Which side the pelvis drops on when the other foot is off the ground.
    gait_hip_drop: Mapped[str | None] = mapped_column(sa.String(8))
    gait_notes: Mapped[str] = mapped_column(sa.Text, default="")
    # The coach's private notes: never shown to the client.
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    # What the client may read, once shared.
    client_summary: Mapped[str] = mapped_column(sa.Text, default="")
    shared_with_client: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    archived_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    @property
    def archived(self) -> bool:
        # The output schema documents `archived`; without this marshmallow silently drops it.
        return self.archived_at is not None

    @property
    def pelvic_tilt(self) -> dict:
        return {
            "left": {"direction": self.tilt_left_direction, "grade": self.tilt_left_grade},
            "right": {"direction": self.tilt_right_direction, "grade": self.tilt_right_grade},
        }

    @property
    def education(self) -> list[dict]:
        return method.education(self)

    @property
    def gait(self) -> dict:
        return {
            "cadence_spm": self.gait_cadence_spm,
            "overstride": self.gait_overstride,
            "hip_drop": self.gait_hip_drop,
            "notes": self.gait_notes,
        }
