"""``Idempotency-Key`` for POSTs that a mobile app retries over bad networks.

A request with a key does its work, then stores the key with its answer in the same
transaction: the work, the key and the answer land together or not at all. A unique
constraint (not a look-up) decides who is first. A retry that arrives while the first
is still running waits at that constraint for it to finish, then rolls its own work
back and replays the first answer (same status and body); with another body it is
422. If the first is still running after ``IDEMPOTENCY_WAIT_SECONDS``, the retry
answers 409. If the first fails, nothing of it remains and the retry does the work.
Keys belong to one user and are kept ``IDEMPOTENCY_KEY_HOURS`` (at least 24); an
expired key is forgotten and its request handled anew.

The key is stored last rather than first so that the database's writer lock (all of
SQLite's, a row lock on PostgreSQL) is held for as short a time as the work allows.
"""

import hashlib
import json
import re
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import wraps

import sqlalchemy as sa
from flask import Response, current_app, request
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Mapped, mapped_column

from academy.common.auth import current_user
from academy.common.time import as_utc, utcnow
from academy.errors import AcademyError, Conflict, Unprocessable
from academy.extensions import db


class IdempotencyKey(db.Model):
    """One ``Idempotency-Key`` of one user: the request's fingerprint and, once answered,
    the answer to replay. The unique constraint makes concurrent first uses race-safe."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_id_key"),
        sa.Index("ix_idempotency_keys_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(200))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    # NULL while the first request is still being handled.
    response_status: Mapped[int | None] = mapped_column(sa.Integer)
    response_body: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


HEADER = "Idempotency-Key"
# What a key may be: visible ASCII, as in the IETF draft's examples (UUIDs).
_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")


def _fingerprint() -> str:
    """The body's meaning, not its bytes: key order and spacing do not matter."""
    raw = request.get_data(cache=True)
    try:
        canonical = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":"))
    except ValueError:
        canonical = raw.decode("utf-8", "replace")
    return hashlib.sha256(canonical.encode()).hexdigest()


# Built once: every POST with a key runs it.
_STORED = ("user_id", "key", "request_hash", "created_at", "response_status", "response_body")
_INSERT = sa.insert(IdempotencyKey.__table__).values(
    {column: sa.bindparam(column) for column in _STORED}
)


def _store(user_id: int, key: str, fingerprint: str, response: Response) -> bool:
    """Store the key with its answer; False when another request holds the key."""
    try:
        db.session.execute(
            _INSERT,
            {
                "user_id": user_id,
                "key": key,
                "request_hash": fingerprint,
                "created_at": utcnow(),
                "response_status": response.status_code,
                "response_body": response.get_data(as_text=True),
            },
        )
        return True
    except IntegrityError:
        db.session.rollback()
        return False


@contextmanager
def _bounded_lock_waits(seconds: float):
    """Within the block, waiting for another writer's lock ends after ``seconds`` with a
    409: the other is most likely the first request with the same key.

    PostgreSQL connections carry that lock timeout already (``academy.database``);
    SQLite's busy timeout is lowered for the block and restored after.
    """
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    if sqlite:
        db.session.execute(sa.text(f"PRAGMA busy_timeout = {int(seconds * 1000)}"))
    try:
        yield
    except OperationalError as error:
        if not _lock_wait_ran_out(error):
            raise
        db.session.rollback()
        raise Conflict("A request with this Idempotency-Key is still being handled.") from error
    finally:
        if sqlite:
            usual = int(current_app.config["SQLITE_BUSY_TIMEOUT_MS"])
            db.session.execute(sa.text(f"PRAGMA busy_timeout = {usual}"))


def _lock_wait_ran_out(error: OperationalError) -> bool:
    # PostgreSQL's lock_not_available, or SQLite's "database is locked".
    return getattr(error.orig, "sqlstate", None) == "55P03" or "locked" in str(error.orig)


def _earlier(user_id: int, key: str, fingerprint: str) -> Response | None:
    """The stored answer to replay for the key, or None when the key has expired
    (it is then deleted, so the request can be handled anew)."""
    row = db.session.scalar(
        sa.select(IdempotencyKey).where(
            IdempotencyKey.user_id == user_id, IdempotencyKey.key == key
        )
    )
    if row is None:  # the first request failed and rolled back in between
        raise Conflict("The first request with this Idempotency-Key failed; retry it.")
    retention = timedelta(hours=current_app.config["IDEMPOTENCY_KEY_HOURS"])
    if as_utc(row.created_at) < utcnow() - retention:
        db.session.delete(row)
        db.session.flush()
        return None
    if row.request_hash != fingerprint:
        raise Unprocessable(
            "This Idempotency-Key was used with another request body.",
            errors={HEADER: ["Use a new key for a different request."]},
        )
    if row.response_status is None:
        raise Conflict("A request with this Idempotency-Key is still being handled.")
    return Response(
        row.response_body,
        status=row.response_status,
        mimetype="application/json",
        headers={"Idempotent-Replayed": "true"},
    )


def _replayed(user_id: int, key: str, fingerprint: str) -> Response | None:
    """The answer stored with the key, if a request has stored one."""
    stored = db.session.scalar(
        sa.select(IdempotencyKey.response_status).where(
            IdempotencyKey.user_id == user_id, IdempotencyKey.key == key
        )
    )
    return _earlier(user_id, key, fingerprint) if stored is not None else None


def idempotent(view):
    """Make a POST view honour ``Idempotency-Key``. The key and its answer are written
    in the request's own transaction, which the request boundary commits with the
    view's work; when the view fails, the error handlers roll everything back."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return view(*args, **kwargs)
        if not _KEY.match(key):
            raise Unprocessable(
                "The request did not pass validation.",
                errors={HEADER: ["1 to 200 visible ASCII characters, such as a UUID."]},
            )
        user_id, fingerprint = current_user().id, _fingerprint()
        wait = current_app.config["IDEMPOTENCY_WAIT_SECONDS"]
        for _ in range(2):  # a second round only after forgetting an expired key
            try:
                with _bounded_lock_waits(wait):
                    response = view(*args, **kwargs)
                    stored = _store(user_id, key, fingerprint, response)
            except AcademyError:
                # The work refused itself, maybe because the first request with the key
                # did it already (a session holds one check-in): that answer, if any.
                db.session.rollback()
                if (replay := _replayed(user_id, key, fingerprint)) is not None:
                    return replay
                raise
            if stored:
                return response
            earlier = _earlier(user_id, key, fingerprint)
            if earlier is not None:
                return earlier
        raise Conflict("The Idempotency-Key could not be stored; retry with a new key.")

    return wrapper


def purge_expired() -> int:
    """Delete keys past their retention; run it now and then (``flask academy purge-keys``)."""
    retention = timedelta(hours=current_app.config["IDEMPOTENCY_KEY_HOURS"])
    return db.session.execute(
        sa.delete(IdempotencyKey).where(IdempotencyKey.created_at < utcnow() - retention)
    ).rowcount
