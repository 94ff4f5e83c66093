"""``Idempotency-Key`` for POSTs that a mobile app retries over bad networks.

The first request with a key claims it: a row inserted and committed on its own, so
that a unique constraint (not a look-up) decides who is first. The operation then
runs, and its answer is stored with it in the operation's own transaction. Later
requests with the same key and the same body get that answer again; with another
body, 422. A request that arrives while the first is still running waits a moment
for it and then replays it, or answers 409 if it is still running.
Keys belong to one user and are kept at least ``IDEMPOTENCY_KEY_HOURS``.
"""

import hashlib
import json
import time
from datetime import datetime, timedelta
from functools import wraps

import sqlalchemy as sa
from flask import Response, current_app, request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from academy.common.auth import current_user
from academy.common.time import utcnow
from academy.errors import Conflict, Unprocessable
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
_POLL_SECONDS = 0.05


def _fingerprint() -> str:
    """The body's meaning, not its bytes: key order and spacing do not matter."""
    raw = request.get_data(cache=True)
    try:
        canonical = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":"))
    except ValueError:
        canonical = raw.decode("utf-8", "replace")
    return hashlib.sha256(canonical.encode()).hexdigest()


def _claim(user_id: int, key: str, fingerprint: str) -> int | None:
    """The new claim's id, or None when the key is already taken (and not expired)."""
    try:
        row = IdempotencyKey(
            user_id=user_id, key=key, request_hash=fingerprint, created_at=utcnow()
        )
        db.session.add(row)
        db.session.commit()
        return row.id
    except IntegrityError:
        db.session.rollback()
    # Reclaim an expired key with a guarded UPDATE, so only one request can win it.
    retention = timedelta(hours=current_app.config["IDEMPOTENCY_KEY_HOURS"])
    taken = db.session.execute(
        sa.update(IdempotencyKey)
        .where(
            IdempotencyKey.user_id == user_id,
            IdempotencyKey.key == key,
            IdempotencyKey.created_at < utcnow() - retention,
        )
        .values(request_hash=fingerprint, created_at=utcnow(), response_status=None,
                response_body=None)
        .returning(IdempotencyKey.id)
    ).scalar()  # fmt: skip
    db.session.commit()
    return taken


def _earlier_answer(user_id: int, key: str, fingerprint: str) -> Response:
    deadline = time.monotonic() + current_app.config["IDEMPOTENCY_WAIT_SECONDS"]
    while True:
        row = db.session.scalar(
            sa.select(IdempotencyKey).where(
                IdempotencyKey.user_id == user_id, IdempotencyKey.key == key
            )
        )
        db.session.rollback()  # end the read so the next poll sees fresh commits
        if row is None:
            raise Conflict("The first request with this Idempotency-Key failed; retry it.")
        if row.request_hash != fingerprint:
            raise Unprocessable(
                "This Idempotency-Key was used with another request body.",
                errors={HEADER: ["Use a new key for a different request."]},
            )
        if row.response_status is not None:
            return Response(
                row.response_body,
                status=row.response_status,
                mimetype="application/json",
                headers={"Idempotent-Replayed": "true"},
            )
        if time.monotonic() >= deadline:
            raise Conflict("A request with this Idempotency-Key is still being handled.")
        time.sleep(_POLL_SECONDS)


def _release(claim_id: int) -> None:
    db.session.rollback()
    db.session.execute(sa.delete(IdempotencyKey).where(IdempotencyKey.id == claim_id))
    db.session.commit()


def idempotent(view):
    """Make a POST view honour ``Idempotency-Key``. The view must not commit: this
    commits its work together with the stored answer, in one transaction."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            response = view(*args, **kwargs)
            db.session.commit()
            return response
        if len(key) > 200:
            raise Unprocessable(errors={HEADER: ["At most 200 characters."]})
        user_id, fingerprint = current_user().id, _fingerprint()
        claim_id = _claim(user_id, key, fingerprint)
        if claim_id is None:
            return _earlier_answer(user_id, key, fingerprint)
        try:
            response = view(*args, **kwargs)
        except Exception:
            _release(claim_id)
            raise
        db.session.execute(
            sa.update(IdempotencyKey)
            .where(IdempotencyKey.id == claim_id)
            .values(response_status=response.status_code, response_body=response.get_data(True))
        )
        db.session.commit()
        return response

    return wrapper


def purge_expired() -> int:
    """Delete keys past their retention; run it now and then (``flask academy purge-keys``)."""
    retention = timedelta(hours=current_app.config["IDEMPOTENCY_KEY_HOURS"])
    deleted = db.session.execute(
        sa.delete(IdempotencyKey).where(IdempotencyKey.created_at < utcnow() - retention)
    ).rowcount
    db.session.commit()
    return deleted
