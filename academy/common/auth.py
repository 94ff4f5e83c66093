"""Bearer-token authentication and role checks for views."""

import hashlib
import secrets
from functools import wraps

import sqlalchemy as sa
from flask import g, request

from academy.auth.models import AuthToken, User
from academy.common.time import as_utc, utcnow
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


def authenticate() -> AuthToken:
    """The live token presented with this request, with its user; 401 otherwise."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized("Send a bearer token: Authorization: Bearer <access_token>.")
    token = db.session.scalar(
        sa.select(AuthToken).where(AuthToken.access_hash == digest(secret.strip()))
    )
    if (
        token is None
        or token.revoked_at is not None
        or as_utc(token.access_expires_at) <= utcnow()
        or token.user.status != "active"
    ):
        raise Unauthorized("The token is unknown, expired or revoked.")
    return token


def current_user() -> User:
    return g.current_user


def current_token() -> AuthToken:
    return g.current_token


def require_auth(roles: tuple[str, ...] | None = None):
    """Authenticate the request, then check the caller's role (403 when it differs)."""

    def decorator(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            token = authenticate()
            if roles is not None and token.user.role not in roles:
                raise Forbidden("Your role may not use this operation.")
            g.current_token = token
            g.current_user = token.user
            return func(*args, **kwargs)

        return wrapper

    return decorator
