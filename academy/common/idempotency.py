"""``Idempotency-Key`` for POSTs that a mobile app retries over bad networks.

A request with a key does its work, then stores the key with its answer in the same
transaction: the work, the key and the answer land together or not at all. A unique
constraint (not a look-up) decides who is first. A retry that arrives while the first
is still running waits for it to finish, then replays the first answer: its status,
its body byte for byte and the headers the operation set (``ETag``, ``Location``,
``Content-Type``), to which the app adds the same ``Cache-Control`` as it did to the
first; with another body it is 422. If the first is still running after
``IDEMPOTENCY_WAIT_SECONDS``, the retry answers 409: that, and only that, is a 409. If
the first fails, nothing of it remains and the retry does the work. Keys belong to one
user and are kept ``IDEMPOTENCY_KEY_HOURS`` (at least 24); an expired key is forgotten
and its request handled anew.

A request holds its key while it runs (a PostgreSQL advisory lock for its transaction;
on SQLite, one file on one host, an flock beside the database file), so a retry knows
that it waits for its own first request. A wait on anyone else's lock is bounded like
any other (``DB_TIMEOUT_SECONDS``) and answers 503, never the key's 409.

The key is stored last rather than first so that the database's writer lock (all of
SQLite's, a row lock on PostgreSQL) is held for as short a time as the work allows.
"""

import hashlib
import json
import os
import re
from contextlib import contextmanager, suppress
from copy import deepcopy
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import Response, current_app, g, request
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Mapped, mapped_column

from academy.common.auth import current_user
from academy.common.sql import rows_changed
from academy.common.time import as_utc, utcnow
from academy.database import take_flock
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
    # The answer's headers as a JSON list of [name, value] (NULL for keys stored before
    # answers kept their headers: those replay as JSON with none).
    response_headers: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


HEADER = "Idempotency-Key"
# What a key may be: visible ASCII, as in the IETF draft's examples (UUIDs).
_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")
# The same rule in the API document, for every operation that takes a key.
KEY_SCHEMA = {"type": "string", "pattern": _KEY.pattern}
KEY_DESCRIPTION = (
    "Retry-safe posting: the same key and body replay the first answer and store "
    "nothing new; the same key with another body is 422; a retry while the first is "
    "still running is 409. Keys are kept at least a day (`IDEMPOTENCY_KEY_HOURS`)."
)


def _fingerprint() -> str:
    """The body's meaning, not its bytes: key order and spacing do not matter."""
    raw = request.get_data(cache=True)
    try:
        canonical = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":"))
    except ValueError:
        canonical = raw.decode("utf-8", "replace")
    return hashlib.sha256(canonical.encode()).hexdigest()


# Built once: every POST with a key runs it.
_STORED = (
    "user_id",
    "key",
    "request_hash",
    "created_at",
    "response_status",
    "response_body",
    "response_headers",
)
# Headers a replay does not take from the first answer: the length follows the body,
# and the request's own id, the date and the replay mark are the retry's.
_NOT_REPLAYED = frozenset({"content-length", "x-request-id", "date", "idempotent-replayed"})


def _kept_headers(response: Response) -> str:
    return json.dumps(
        [[name, value] for name, value in response.headers if name.lower() not in _NOT_REPLAYED]
    )


_INSERT = sa.insert(IdempotencyKey.__table__).values(
    {column: sa.bindparam(column) for column in _STORED}
)


def _store(user_id: int, key: str, fingerprint: str, response: Response) -> bool:
    """Store the key with its answer; False when another request stored it first."""
    try:
        db.session.connection().execute(
            _INSERT,
            {
                "user_id": user_id,
                "key": key,
                "request_hash": fingerprint,
                "created_at": utcnow(),
                "response_status": response.status_code,
                "response_body": response.get_data(as_text=True),
                "response_headers": _kept_headers(response),
            },
        )
        return True
    except IntegrityError:
        db.session.rollback()
        return False
    except OperationalError as error:
        # A wait at the key's unique index: another transaction holds this very key.
        if not _key_wait_ran_out(error):
            raise
        db.session.rollback()
        raise Conflict(IN_FLIGHT) from error


IN_FLIGHT = "A request with this Idempotency-Key is still being handled."
_ADVISORY_LOCK = sa.select(sa.func.pg_advisory_xact_lock(sa.bindparam("id", type_=sa.BigInteger)))
# SQLite: the keys share this many lock files; keys of one file wait for each other,
# as SQLite's writers do anyway.
_LOCK_FILES = 64


def _lock_id(user_id: int, key: str) -> int:
    digest = hashlib.sha256(f"{user_id}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _claim(user_id: int, key: str) -> None:
    """PostgreSQL: hold the key until this transaction ends, waiting at most the lock
    timeout for a request that holds it (then 409: it is in flight)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    try:
        db.session.connection().execute(_ADVISORY_LOCK, {"id": _lock_id(user_id, key)})
    except OperationalError as error:
        if not _key_wait_ran_out(error):
            raise
        db.session.rollback()
        raise Conflict(IN_FLIGHT) from error


def _acquire(user_id: int, key: str, seconds: float) -> int | None:
    """SQLite: take the key's flock, waiting up to ``seconds`` for a request that holds
    it (then 409); an flock, so that every worker process on the host sees it. Answers
    the open file that holds it (None elsewhere: PostgreSQL's ``_claim`` holds keys)."""
    url = db.session.get_bind().engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    folder = f"{url.database}.keys"
    number = _lock_id(user_id, key) % _LOCK_FILES
    # A read-only folder (no lock file, None): the request's writes will fail as well (503).
    with suppress(OSError):
        os.makedirs(folder, exist_ok=True)
    try:
        return take_flock(os.path.join(folder, f"{number:02d}"), seconds)
    except TimeoutError:
        raise Conflict(IN_FLIGHT) from None


@contextmanager
def holding_key(user_id: int, key: str, seconds: float):
    """Hold the key for the block (as a request that is still running does)."""
    descriptor = _acquire(user_id, key, seconds)
    try:
        yield
    finally:
        if descriptor is not None:
            os.close(descriptor)


def _hold(user_id: int, key: str, seconds: float) -> None:
    """Hold the key until the request ends, its transaction committed or rolled back:
    ``_release`` closes it when the request is torn down (or the process ends)."""
    descriptor = _acquire(user_id, key, seconds)
    if descriptor is not None:
        g.setdefault(_HELD, []).append(descriptor)


_HELD = "academy_held_keys"


def _release(_error=None) -> None:
    for descriptor in g.pop(_HELD, []):
        os.close(descriptor)


def init_app(app) -> None:
    """Release the keys a request held once it is over, committed or not."""
    app.teardown_request(_release)


def _key_wait_ran_out(error: OperationalError) -> bool:
    """PostgreSQL gave up waiting for a lock on this key: lock_not_available, or
    query_canceled when the statement timeout came first. (SQLite's one lock is
    anyone's; there the key's flock tells.)"""
    return getattr(error.orig, "sqlstate", None) in ("55P03", "57014")


def _earlier(user_id: int, key: str, fingerprint: str) -> Response | None:
    """The stored answer to replay for the key, or None when there is none to replay:
    the key expired (it is then deleted) or the request that stored it failed after
    all, so the request can be handled anew."""
    row = db.session.scalar(
        sa.select(IdempotencyKey).where(
            IdempotencyKey.user_id == user_id, IdempotencyKey.key == key
        )
    )
    if row is None:  # the first request failed and rolled back in between
        return None
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
        raise Conflict(IN_FLIGHT)
    if row.response_headers is None:
        return Response(
            row.response_body,
            status=row.response_status,
            mimetype="application/json",
            headers={"Idempotent-Replayed": "true"},
        )
    replay = Response(status=row.response_status)
    replay.headers.clear()  # the first answer's Content-Type, not Flask's default
    for name, value in json.loads(row.response_headers):
        replay.headers.add(name, value)
    replay.headers["Idempotent-Replayed"] = "true"
    replay.set_data(row.response_body)
    return replay


REPLAYED_HEADER = {
    "description": "`true` on an answer replayed for a repeated `Idempotency-Key`: the "
    "first answer's status, headers and body, and nothing stored anew.",
    "schema": {"type": "string", "const": "true"},
}


def idempotent(view):
    """Make a POST view honour ``Idempotency-Key``. The key and its answer are written
    in the request's own transaction, which the request boundary commits with the
    view's work; the key is held until then. When the view fails, the error handlers
    roll everything back. Routes use it as ``@blp.idempotent()``, which documents the
    header and holds it to its place among the operation's decorators: it documents
    ``Idempotent-Replayed`` on the answers ``response`` documented."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not _KEY.match(key):
            raise Unprocessable(
                "The request did not pass validation.",
                errors={HEADER: ["1 to 200 visible ASCII characters, such as a UUID."]},
            )
        user_id, fingerprint = current_user().id, _fingerprint()
        _hold(user_id, key, current_app.config["IDEMPOTENCY_WAIT_SECONDS"])
        for _ in range(2):  # a second round only when there is nothing to replay
            _claim(user_id, key)
            try:
                response = view(*args, **kwargs)
            except AcademyError:
                # The work refused itself, maybe because the first request with the key
                # did it already (a session holds one check-in): that answer, if any.
                db.session.rollback()
                if (replay := _earlier(user_id, key, fingerprint)) is not None:
                    return replay
                raise
            if _store(user_id, key, fingerprint, response):
                return response
            earlier = _earlier(user_id, key, fingerprint)
            if earlier is not None:
                return earlier
        raise Conflict(IN_FLIGHT)

    documented: Any = wrapper  # carries flask-smorest's documentation, as the view did
    documented._apidoc = deepcopy(getattr(view, "_apidoc", {}))
    for status, answers in documented._apidoc.get("response", {}).get("responses", {}).items():
        if 200 <= int(status) < 300:
            for answer in answers:
                answer["headers"] = {
                    **(answer.get("headers") or {}),
                    "Idempotent-Replayed": REPLAYED_HEADER,
                }
    return wrapper


def purge_expired() -> int:
    """Delete keys past their retention; run it now and then (``flask academy purge-keys``)."""
    retention = timedelta(hours=current_app.config["IDEMPOTENCY_KEY_HOURS"])
    return rows_changed(
        sa.delete(IdempotencyKey).where(IdempotencyKey.created_at < utcnow() - retention)
    )
