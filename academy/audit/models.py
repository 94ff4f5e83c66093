"""The audit log: who wrote what, which fields, when. Never the values themselves."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from academy.common.models import one_of
from academy.extensions import db

ACTIONS = ("create", "update", "delete")
RESOURCES = ("client", "program", "assignment", "check_in", "assessment", "message")


class AuditEntry(db.Model):
    """Append-only: the service inserts entries and never changes or deletes them."""

    __tablename__ = "audit_entries"
    # A client's own rows of the log are the ones of what they did.
    __client_column__ = "actor_id"
    __table_args__ = (
        one_of("action", ACTIONS),
        one_of("resource", RESOURCES),
        sa.Index("ix_audit_entries_academy_id_at", "academy_id", "at"),
        sa.Index("ix_audit_entries_academy_id_resource", "academy_id", "resource", "resource_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    academy_id: Mapped[int] = mapped_column(sa.ForeignKey("academies.id"))
    # NULL for changes made by operators' commands rather than through the API.
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    actor_role: Mapped[str] = mapped_column(sa.String(16))
    action: Mapped[str] = mapped_column(sa.String(16))
    resource: Mapped[str] = mapped_column(sa.String(16))
    resource_id: Mapped[int] = mapped_column(sa.Integer)
    fields: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
