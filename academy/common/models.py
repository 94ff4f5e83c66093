"""Mixins shared by the models of every domain."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from academy.common.time import utcnow


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class Versioned:
    """A version counter checked on every UPDATE (optimistic concurrency).

    SQLAlchemy adds ``WHERE version = :expected`` to each UPDATE, so of two writers
    holding the same version exactly one succeeds; the other gets StaleDataError.
    """

    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.version}


def one_of(column: str, words, *, nullable: bool = False) -> sa.CheckConstraint:
    """A CHECK that keeps a column inside a controlled vocabulary (or NULL, if allowed)."""
    listed = ", ".join(f"'{word}'" for word in words)
    rule = f"{column} IN ({listed})"
    if nullable:
        rule = f"{column} IS NULL OR {rule}"
    return sa.CheckConstraint(sa.text(rule), name=column)


def between(column: str, low: int, high: int, name: str | None = None) -> sa.CheckConstraint:
    """A CHECK for a numeric range; NULL passes (the column may be optional)."""
    return sa.CheckConstraint(
        sa.text(f"{column} IS NULL OR ({column} >= {low} AND {column} <= {high})"),
        name=name or f"{column}_range",
    )
