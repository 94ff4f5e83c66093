"""Academies, their users, sign-in tokens and invitations."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from academy.common.models import Audited, Timestamped, one_of
from academy.common.search import keep_search_text
from academy.extensions import db
from academy.vocabularies import USER_ROLES

USER_STATUSES = ("invited", "active", "archived", "erased")


class Academy(Timestamped, db.Model):
    """The tenant: every coach, client and their data belong to one academy."""

    __tablename__ = "academies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))


class User(Timestamped, db.Model):
    """Anyone who signs in: an owner or coach of the academy, or one of its clients."""

    # A client's account is part of their record; coaches' accounts are not audited.
    __audit__ = Audited("client", only_if=lambda user: user.role == "client")
    __tablename__ = "users"
    __table_args__ = (
        # One account per email across Academy. Every write stores the email lower-cased
        # (``auth.service.normalise_email``), so the constraint ignores case.
        sa.UniqueConstraint("email", name="uq_users_email"),
        one_of("role", USER_ROLES),
        one_of("status", USER_STATUSES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    academy_id: Mapped[int] = mapped_column(sa.ForeignKey("academies.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(16))
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    status: Mapped[str] = mapped_column(sa.String(16), default="invited")
    # Name and email as searched (``academy.common.search``), kept up to date on write.
    search_text: Mapped[str] = mapped_column(sa.Text, default="")

    # Loaded when asked for (the account views), not on every authenticated request.
    academy: Mapped[Academy] = relationship()


keep_search_text(User, "name", "email")


class AuthToken(db.Model):
    """An access/refresh pair. Only SHA-256 hashes of the random tokens are stored."""

    __tablename__ = "auth_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    access_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    access_expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    refresh_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    refresh_expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    # Set when something ended the session: sign-out, a password change, a reused token.
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Set when a refresh replaced the pair, which then stops working. Its refresh token
    # presented again within REFRESH_REUSE_GRACE_SECONDS is a retry and gets a fresh
    # pair; later, it was stolen, and every token of the user is revoked.
    rotated_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)


class SingleUseCode:
    """A code that lets one account set a password, once, before it expires. Only its
    SHA-256 is stored; ``closed_at`` is set when it is used or replaced by a newer one."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    @declared_attr
    def user(cls) -> Mapped[User]:
        return relationship(lazy="joined", innerjoin=True)


class Invitation(SingleUseCode, db.Model):
    """The code that lets an invited client or coach set a password."""

    __tablename__ = "invitations"


class PasswordReset(SingleUseCode, db.Model):
    """A mailed code that lets an active account set a new password; it works for
    ``PASSWORD_RESET_MINUTES``."""

    __tablename__ = "password_resets"


class RateLimitHit(db.Model):
    """One attempt counted under a rate limit (a failed sign-in, a sign-up); see
    ``academy.auth.ratelimit``. Rows past ``expires_at`` are deleted."""

    __tablename__ = "rate_limit_hits"
    __table_args__ = (
        sa.Index("ix_rate_limit_hits_key_at", "key", "at"),
        sa.Index("ix_rate_limit_hits_expires_at", "expires_at"),
    )

    # 64-bit: refused attempts take an id too, and an attack makes many.
    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    # SHA-256 of the limit's name and what it counts (an email, an address): no
    # personal data is kept here.
    key: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
