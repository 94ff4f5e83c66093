"""Bearer-token authentication and role checks for views."""

import hashlib
import secrets
from functools import wraps

import sqlalchemy as sa
from flask import g, request

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


# Built once: every authenticated request runs it.
_LIVE_TOKEN = (
    sa.select(User, AuthToken.id)
    .join(AuthToken, AuthToken.user_id == User.id)
    .where(
        AuthToken.access_hash == sa.bindparam("digest"),
        AuthToken.revoked_at.is_(None),
        AuthToken.rotated_at.is_(None),
        AuthToken.access_expires_at > sa.bindparam("now"),
        User.status == "active",
    )
)


def authenticate() -> tuple[User, int]:
    """The user behind the live token presented with this request, and the token's id.

    One statement on every authenticated request, so it selects just the user and the
    token's id; unknown, revoked, rotated and expired tokens and inactive users all
    give 401.
    """
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized("Send a bearer token: Authorization: Bearer <access_token>.")
    found = db.session.execute(
        _LIVE_TOKEN, {"digest": digest(secret.strip()), "now": utcnow()}
    ).first()
    if found is None:
        raise Unauthorized("The token is unknown, expired or revoked.")
    return found[0], found[1]


def current_user() -> User:
    return g.current_user


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
