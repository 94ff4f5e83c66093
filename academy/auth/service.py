"""Accounts and sessions: sign-up, tokens, invitations, the caller's own profile."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from academy.auth import ratelimit
from academy.auth.models import (
    Academy,
    AuthToken,
    Invitation,
    PasswordReset,
    SingleUseCode,
    User,
)
from academy.auth.passwords import (
    ensure_strong,
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)
from academy.common import figures
from academy.common.auth import COACH_ROLES, Actor, digest, new_secret
from academy.common.sql import rows_changed
from academy.common.tenancy import by_credential, scoped
from academy.common.time import as_utc, utcnow
from academy.errors import Conflict, Forbidden, Unauthorized, Unprocessable
from academy.extensions import db
from academy.mail.service import send_later


@dataclass
class IssuedTokens:
    """What token creation answers; the secrets exist only in this response."""

    access_token: str
    refresh_token: str
    expires_at: datetime
    refresh_expires_at: datetime
    user: User
    token_type: str = "Bearer"


@dataclass
class IssuedInvitation:
    code: str
    expires_at: datetime


def normalise_email(email: str) -> str:
    return email.strip().lower()


def ensure_email_free(email: str, *, except_user_id: int | None = None) -> None:
    """One account per email (already normalised) across Academy. The answer says only
    that the email has an account, never where or whose."""
    stmt = by_credential(User, User.email, email).with_only_columns(User.id)
    if except_user_id is not None:
        stmt = stmt.where(User.id != except_user_id)
    if db.session.scalar(stmt.limit(1)) is not None:
        raise Conflict(
            "That email already has an Academy account.",
            errors={"email": ["Already has an Academy account."]},
        )


def _issue(user: User) -> IssuedTokens:
    now = utcnow()
    access, refresh = new_secret(), new_secret()
    token = AuthToken(
        user=user,
        access_hash=digest(access),
        access_expires_at=now + timedelta(minutes=current_app.config["ACCESS_TOKEN_MINUTES"]),
        refresh_hash=digest(refresh),
        refresh_expires_at=now + timedelta(days=current_app.config["REFRESH_TOKEN_DAYS"]),
        created_at=now,
    )
    db.session.add(token)
    return IssuedTokens(access, refresh, token.access_expires_at, token.refresh_expires_at, user)


def revoke_all(user_id: int, *, except_token_id: int | None = None) -> None:
    stmt = (
        sa.update(AuthToken)
        .where(AuthToken.user_id == user_id, AuthToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    if except_token_id is not None:
        stmt = stmt.where(AuthToken.id != except_token_id)
    db.session.execute(stmt)


def _new_academy(academy_name: str, name: str, email: str, password: str) -> User:
    """A new academy and its owner; ``email`` normalised, ``password`` already checked."""
    ensure_email_free(email)
    owner = User(
        academy=Academy(name=academy_name.strip()),
        role="owner",
        name=name,
        email=email,
        password_hash=hash_password(password),
        status="active",
    )
    db.session.add(owner)
    return owner


def sign_up(
    academy_name: str, name: str, email: str, password: str, address: str | None
) -> IssuedTokens:
    if not current_app.config["SIGNUP_ENABLED"]:
        raise Forbidden("Sign-up is switched off for this service; ask an academy owner.")
    email, name = normalise_email(email), name.strip()
    ensure_strong(password, field="password", email=email, name=name)
    # Counted before the email is looked up: a 409 tells that an email has an account.
    ratelimit.take(("sign-up", address))
    issued = _issue(_new_academy(academy_name, name, email, password))
    db.session.flush()
    return issued


def create_coach(academy_name: str, name: str, email: str, password: str) -> User:
    """The command-line sign-up: a new academy and its owner, sign-up switch or not."""
    email, name = normalise_email(email), name.strip()
    ensure_strong(password, field="password", email=email, name=name)
    owner = _new_academy(academy_name, name, email, password)
    db.session.flush()
    return owner


def sign_in(email: str, password: str, address: str | None) -> IssuedTokens:
    email = normalise_email(email)
    # Taken before the password is checked, so that concurrent guesses cannot all slip
    # under the limit; a wrong password keeps them (the failure counts), a right one
    # gives them back.
    hits = ratelimit.take(("sign-in", email, address), ("sign-in-address", address))
    user = db.session.scalar(by_credential(User, User.email, email))
    # One Argon2 check whatever happens: with no active account, against a dummy hash,
    # so that timing does not tell which emails have one.
    usable = user is not None and user.status == "active"
    if not verify_password(user.password_hash if usable else None, password):
        raise Unauthorized("Wrong email or password.")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    ratelimit.give_back(hits)
    issued = _issue(user)
    db.session.flush()
    return issued


def _ensure_live(token: AuthToken) -> None:
    if (
        token.revoked_at is not None
        or as_utc(token.refresh_expires_at) <= utcnow()
        or token.user.status != "active"
    ):
        raise Unauthorized("The refresh token is expired or revoked.")


def _rotate(token: AuthToken) -> bool:
    """Mark the pair replaced; False when another request rotated or revoked it first."""
    rotated = rows_changed(
        sa.update(AuthToken)
        .where(
            AuthToken.id == token.id,
            AuthToken.rotated_at.is_(None),
            AuthToken.revoked_at.is_(None),
        )
        .values(rotated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return rotated == 1


def refresh(refresh_token: str) -> IssuedTokens:
    token = db.session.scalar(
        by_credential(AuthToken, AuthToken.refresh_hash, digest(refresh_token))
    )
    if token is None:
        raise Unauthorized("The refresh token is unknown.")
    grace = timedelta(seconds=current_app.config["REFRESH_REUSE_GRACE_SECONDS"])
    if token.rotated_at is None:
        _ensure_live(token)
        if not _rotate(token):
            # A concurrent refresh with the same token rotated it a moment ago: this one
            # gets a pair too, as a retry would.
            db.session.refresh(token)
            if token.rotated_at is None:
                raise Unauthorized("The refresh token is expired or revoked.")
    elif utcnow() - as_utc(token.rotated_at) > grace:
        # A rotated refresh token came back late: someone else holds a copy. End every session.
        revoke_all(token.user_id)
        # The answer is an error, but the revocation is what this request does: it stays.
        raise Unauthorized(
            "The refresh token was already used; every session was signed out.", keep=True
        )
    else:
        # Presented again soon after its rotation: a retry whose answer was lost. A fresh
        # pair and nothing revoked, unless the session has been ended since.
        _ensure_live(token)
    issued = _issue(token.user)
    db.session.flush()
    return issued


def sign_out(token_id: int) -> None:
    db.session.execute(
        sa.update(AuthToken).where(AuthToken.id == token_id).values(revoked_at=utcnow())
    )
    db.session.flush()


def count_invitation(actor: Actor) -> None:
    """Count one invitation sent by the actor's academy, before anything is written:
    429 with ``Retry-After`` past CLIENT_INVITES_PER_HOUR or CLIENT_INVITES_PER_DAY, or
    CLIENT_INVITES_FIRST_DAY_PER_HOUR while the academy is less than a day old. Counted
    in the store every worker shares and kept whatever the request's outcome, so that
    a refusal (an email that has an account) counts too: invitations can neither mail
    strangers nor probe emails without bound."""
    academy = db.session.get_one(Academy, actor.academy_id)
    key = str(academy.id)
    limits = [("invitation", key)]
    if utcnow() - as_utc(academy.created_at) < timedelta(days=1):
        limits.append(("invitation-first-day", key))
    ratelimit.take(*limits)


def issue_invitation(user: User, inviter: Actor) -> IssuedInvitation:
    """A fresh code for ``user``, mailed in the name of ``inviter`` and the academy;
    any earlier open code stops working. Not committed."""
    now = utcnow()
    close_codes(Invitation, user.id, now)
    code = new_secret()
    invitation = Invitation(
        user=user,
        code_hash=digest(code),
        expires_at=now + timedelta(days=current_app.config["INVITATION_DAYS"]),
        created_at=now,
    )
    db.session.add(invitation)
    # The invitee's own name stays out of the mail: whoever invites types it, and a
    # stranger's inbox is no place for text of their choosing.
    send_later(
        user.email,
        "invitation",
        role=user.role,
        academy=db.session.get_one(Academy, user.academy_id).name,
        inviter=inviter.name,
        code=code,
        expires_at=invitation.expires_at.strftime("%Y-%m-%d %H:%M UTC"),
    )
    return IssuedInvitation(code, invitation.expires_at)


def accept_invitation(code: str, password: str) -> IssuedTokens:
    refusal = "The invitation code is unknown, used or expired."
    invitation = _open_code(Invitation, code, ("invited", "active"), refusal)
    user = invitation.user
    ensure_strong(password, field="password", email=user.email, name=user.name)
    _use_once(invitation, refusal)
    user.password_hash = hash_password(password)
    user.status = "active"
    revoke_all(user.id)  # a re-issued invitation resets access
    issued = _issue(user)
    db.session.flush()
    return issued


def read_me(user: User) -> User:
    """The caller's account with its ``unread_messages`` (kept by the messages domain,
    above this one: ``academy.common.figures``)."""
    user.unread_messages = figures.unread_total(user)
    return user


def request_password_reset(email: str, address: str | None) -> None:
    """Mail a reset code to the account with ``email``, if it is one that signs in;
    to any other address, a mail saying that it has no such account. Either way the
    request does the same work (a look-up, a code made, earlier codes closed, a mail
    written; only the new code's row is the account's alone), so that neither the
    answer nor its timing tells whether the email has an account."""
    email = normalise_email(email)
    # Counted for every email, known or not: a refusal tells nothing either.
    ratelimit.take(("password-reset", email), ("password-reset-address", address))
    user = db.session.scalar(by_credential(User, User.email, email))
    code, now = new_secret(), utcnow()
    usable = user is not None and user.status == "active"
    # The account's earlier codes stop working; without one, the same statement finds
    # nothing (no user has id 0), so that both answers take as long.
    close_codes(PasswordReset, user.id if usable else 0, now)
    if not usable:
        send_later(email, "password_reset_no_account")
        db.session.flush()
        return
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    db.session.add(
        PasswordReset(
            user_id=user.id,
            code_hash=digest(code),
            expires_at=now + timedelta(minutes=minutes),
            created_at=now,
        )
    )
    send_later(user.email, "password_reset", name=user.name, code=code, minutes=minutes)
    db.session.flush()


def close_codes(model: type[SingleUseCode], user_id: int, now: datetime) -> None:
    """Close every open code of ``model`` (invitations or password resets) of a user."""
    db.session.execute(
        sa.update(model)
        .where(model.user_id == user_id, model.closed_at.is_(None))
        .values(closed_at=now)
    )


def _open_code(
    model: type[SingleUseCode], code: str, statuses: tuple[str, ...], refusal: str
) -> SingleUseCode:
    """The open, unexpired code row of ``model`` for ``code`` whose account has one of
    ``statuses``; any other code is refused alike (401), telling nothing of why."""
    row = db.session.scalar(by_credential(model, model.code_hash, digest(code.strip())))
    if (
        row is None
        or row.closed_at is not None
        or as_utc(row.expires_at) <= utcnow()
        or row.user.status not in statuses
    ):
        raise Unauthorized(refusal)
    return row


def _use_once(code_row: SingleUseCode, refusal: str) -> None:
    """Close a single-use code (an invitation or a password reset) with a guarded
    UPDATE, so that of two concurrent uses exactly one succeeds; the other is refused
    (and the request's work rolled back)."""
    model = type(code_row)
    closed = rows_changed(
        sa.update(model)
        .where(model.id == code_row.id, model.closed_at.is_(None))
        .values(closed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if closed != 1:
        raise Unauthorized(refusal)


def reset_password(code: str, password: str) -> None:
    """Set a new password with a mailed code: the code works once, and every session
    of the account ends."""
    refusal = "The reset code is unknown, used or expired."
    reset = _open_code(PasswordReset, code, ("active",), refusal)
    user = reset.user
    ensure_strong(password, field="password", email=user.email, name=user.name)
    _use_once(reset, refusal)
    # An older code mailed meanwhile stops working too.
    close_codes(PasswordReset, user.id, utcnow())
    user.password_hash = hash_password(password)
    revoke_all(user.id)
    db.session.flush()


def update_me(user: User, changes: dict) -> User:
    for field in ("name", "timezone"):
        if field in changes:
            setattr(user, field, changes[field].strip() if field == "name" else changes[field])
    db.session.flush()
    return read_me(user)


def change_password(user: User, token_id: int, current: str, new: str) -> None:
    errors = {}
    if not verify_password(user.password_hash, current):
        errors["current_password"] = ["Does not match your password."]
    if problems := password_problems(new, email=user.email, name=user.name):
        errors["new_password"] = problems
    if errors:
        raise Unprocessable("The password was not changed.", errors=errors)
    user.password_hash = hash_password(new)
    revoke_all(user.id, except_token_id=token_id)
    db.session.flush()


def list_coaches(actor: Actor) -> sa.Select:
    return scoped(User, actor).where(User.role.in_(COACH_ROLES)).order_by(User.name, User.id)


def invite_coach(actor: Actor, name: str, email: str) -> User:
    """A new coach of the actor's academy, carrying its ``invitation`` for the answer."""
    email = normalise_email(email)
    count_invitation(actor)
    ensure_email_free(email)
    coach = User(
        academy_id=actor.academy_id, role="coach", name=name.strip(), email=email, status="invited"
    )
    db.session.add(coach)
    db.session.flush()
    coach.invitation = issue_invitation(coach, actor)
    db.session.flush()
    return coach
