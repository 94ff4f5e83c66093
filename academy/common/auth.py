"""Bearer-token authentication and role checks for views."""

import hashlib
import secrets
from dataclasses import dataclass, fields
from functools import wraps

import sqlalchemy as sa
from flask import g, request
from sqlalchemy.orm import joinedload, make_transient_to_detached

from academy.auth.models import AuthToken, User
from academy.common.time import utcnow
from academy.errors import Forbidden, Unauthorized
from academy.extensions import db

COACH_ROLES = ("owner", "coach")
OWNER_ROLES = ("owner",)
CLIENT_ROLES = ("client",)


def new_secret() -> str:
    """A random token or code, about 256 bits."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """What is stored in place of a token or code: its SHA-256."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Caller:
    """Who sent the request: the columns of the signed-in account that identify and
    scope a caller, as read with the token. A value, not the stored account, so that
    every request is spared loading an ORM object; a change to one's own account loads
    the account itself (``current_account``)."""

    id: int
    academy_id: int
    role: str
    name: str
    email: str
    timezone: str


# Whom a service acts for: a request's caller, or an account loaded whole (the demo and
# the command line act for accounts). Both carry the columns that scope a query.
Actor = Caller | User


# Built once: every authenticated request runs it.
_LIVE_TOKEN = (
    sa.select(
        *(getattr(User, field.name) for field in fields(Caller)),
        AuthToken.id.label("token_id"),
    )
    .join(AuthToken, AuthToken.user_id == User.id)
    .where(
        AuthToken.access_hash == sa.bindparam("digest"),
        AuthToken.revoked_at.is_(None),
        AuthToken.rotated_at.is_(None),
        AuthToken.access_expires_at > sa.bindparam("now"),
        User.status == "active",
    )
)


def authenticate() -> tuple[Caller, int]:
    """The caller behind the live token presented with this request, and the token's id.

    One statement on every authenticated request, so it selects just the caller's
    columns and the token's id; unknown, revoked, rotated and expired tokens and
    inactive users all give 401.
    """
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized("Send a bearer token: Authorization: Bearer <access_token>.")
    found = (
        db.session.connection()
        .execute(_LIVE_TOKEN, {"digest": digest(secret.strip()), "now": utcnow()})
        .first()
    )
    if found is None:
        raise Unauthorized("The token is unknown, expired or revoked.")
    return Caller(*found[:-1]), found[-1]


def current_user() -> Caller:
    return g.current_user


def current_account() -> User:
    """The caller's stored account, for the operations that read all of it (its academy
    too, in the same statement) or change it. Read afresh even if the session holds it,
    so that its academy comes in that one statement."""
    return db.session.get_one(
        User, g.current_user.id, options=[joinedload(User.academy)], populate_existing=True
    )


def account_of(actor: Actor) -> User:
    """The actor's account, for a new row to link to (a message's author), without
    reading it: the session's copy if it holds one, else one made of the caller's
    columns, its other columns loaded only if something reads them."""
    if isinstance(actor, User):
        return actor
    held = db.session.identity_map.get(sa.orm.util.identity_key(User, actor.id))
    if held is not None:
        return held
    account = User(**{field.name: getattr(actor, field.name) for field in fields(Caller)})
    make_transient_to_detached(account)
    db.session.add(account)
    return account


def current_token_id() -> int:
    return g.current_token_id


def require_auth(roles: tuple[str, ...] | None = None):
    """Authenticate the request, then check the caller's role (403 when it differs)."""

    def decorator(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            user, token_id = authenticate()
            if roles is not None and user.role not in roles:
                raise Forbidden("Your role may not use this operation.")
            g.current_user, g.current_token_id = user, token_id
            return func(*args, **kwargs)

        return wrapper

    return decorator
