"""Mixins shared by the models of every domain."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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


# --- audit marks ------------------------------------------------------------------------
# How a model says that its writes are audited: the audit log reads these marks, so it
# imports no domain's models, and a new audited model only carries one.
# ``Audited("program")``: its rows are the resource ``program``; a write leaves a row
# naming the fields written. ``Part("program", "session.program_id", "sessions")``: its
# rows are part of a resource (found through the dotted attribute path to the parent's
# id), and writing one is an update of the parent's ``sessions``.


@dataclass(frozen=True)
class Audited:
    resource: str
    # Only the rows for which this holds are audited (a client's account, not a coach's).
    only_if: Callable[[Any], bool] | None = None


@dataclass(frozen=True)
class Part:
    resource: str
    parent_id: str
    field: str

    def parent_id_of(self, obj) -> int:
        value = obj
        for name in self.parent_id.split("."):
            value = getattr(value, name)
        return value
