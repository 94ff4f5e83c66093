"""The coaching profile of a client; the sign-in identity lives in ``users``."""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from academy.auth.models import User
from academy.common.models import Audited, Timestamped, Versioned, one_of
from academy.extensions import db
from academy.vocabularies import CLIENT_STATUSES


class Client(Versioned, Timestamped, db.Model):
    """A client of the academy. Its id is the id of the client's user."""

    __audit__ = Audited("client")
    __tablename__ = "clients"
    __client_column__ = "id"  # a client's own row is the one with their id
    __table_args__ = (
        one_of("status", CLIENT_STATUSES),
        sa.CheckConstraint(
            sa.text("weekly_volume_km IS NULL OR weekly_volume_km >= 0"), name="weekly_volume"
        ),
        sa.Index("ix_clients_academy_id_status", "academy_id", "status"),
    )

    id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    academy_id: Mapped[int] = mapped_column(sa.ForeignKey("academies.id"))
    goals: Mapped[str] = mapped_column(sa.Text, default="")
    weekly_volume_km: Mapped[float | None] = mapped_column(sa.Float)
    target_race: Mapped[str | None] = mapped_column(sa.String(200))
    target_race_date: Mapped[date | None] = mapped_column(sa.Date)
    # Optional: dates of the client's history (an injury, say) cannot fall before it.
    birth_date: Mapped[date | None] = mapped_column(sa.Date)
    # The coach's private notes: never shown to the client.
    coach_notes: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(16), default="active")

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    @property
    def name(self) -> str:
        return self.user.name

    @property
    def email(self) -> str:
        return self.user.email

    @property
    def timezone(self) -> str:
        return self.user.timezone

    @property
    def account_status(self) -> str:
        return self.user.status

    @property
    def running_profile(self) -> dict:
        return {
            "weekly_volume_km": self.weekly_volume_km,
            "target_race": self.target_race,
            "target_race_date": self.target_race_date,
        }
