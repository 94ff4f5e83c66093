"""Domain exceptions and the handlers that turn every error into problem+json.

Views and services raise; only this module builds error responses (RFC 9457).
"""

import contextlib
import logging
import traceback

import sqlalchemy as sa
from flask import Flask, current_app, jsonify
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from academy import database
from academy.extensions import db

log = logging.getLogger("academy.errors")

PROBLEM_TYPE = "https://academy.example/problems/"


class AcademyError(Exception):
    """A domain error with the status it answers. Its request's writes are undone,
    unless ``keep``: then they are what the request had to do whatever it answers (the
    revocation of every token when a stolen refresh token comes back)."""

    status = 400
    slug = "bad-request"

    def __init__(
        self,
        detail: str | None = None,
        errors: dict | None = None,
        keep: bool = False,
        extra: dict | None = None,
    ):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.keep = keep
        # Members of the problem body beyond RFC 9457's (the check-in already there).
        self.extra = extra or {}

    def settle(self) -> None:
        """Called once the request's writes are undone, before the answer is written: an
        error that must read the database to say what it clashed with reads it here (a
        failed flush leaves nothing to read with until then)."""


class NotFound(AcademyError):
    status, slug = 404, "not-found"


class Unauthorized(AcademyError):
    status, slug = 401, "unauthorized"


class Forbidden(AcademyError):
    status, slug = 403, "forbidden"


class Conflict(AcademyError):
    status, slug = 409, "conflict"


class PreconditionFailed(AcademyError):
    status, slug = 412, "precondition-failed"


class PreconditionRequired(AcademyError):
    status, slug = 428, "precondition-required"


class ContentTooLarge(AcademyError):
    """More than Academy reads in one request (an activity file that unpacks too far,
    holds too many points or takes too long to read); ``errors`` names the field."""

    status, slug = 413, "request-entity-too-large"


class Unprocessable(AcademyError):
    """Input that is well-formed but breaks a rule; ``errors`` maps paths to messages."""

    status, slug = 422, "validation-error"


class DatabaseUnavailable(AcademyError):
    """The database is down, full, read-only, locked or silent: an outage, not a bug.
    Raise it ``from`` the database error; the answer carries ``Retry-After``."""

    status, slug = 503, "database-unavailable"


class TooManyRequests(AcademyError):
    status, slug = 429, "too-many-requests"

    def __init__(self, detail: str | None = None, retry_after: int | None = None):
        super().__init__(detail)
        self.retry_after = retry_after


def problem(
    status: int, detail: str | None = None, *, slug: str | None = None, errors=None, **extra
):
    title = HTTP_STATUS_CODES.get(status, "Error")
    body = {
        "type": PROBLEM_TYPE + (slug or title.lower().replace(" ", "-")),
        "title": title,
        "status": status,
        "detail": detail or title,
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def flatten_messages(messages, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested messages into ``{"sessions[2].items[0].sets": [...]}``."""
    if isinstance(messages, list | tuple) and all(isinstance(m, str) for m in messages):
        return {prefix or "_body": list(messages)}
    if not isinstance(messages, dict):
        return {prefix or "_body": [str(messages)]}
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        if isinstance(key, int):
            path = f"{prefix}[{key}]"
        elif key == "_schema":
            path = prefix or "_body"
        else:
            path = f"{prefix}.{key}" if prefix else str(key)
        for sub_path, sub_messages in flatten_messages(value, path).items():
            flat.setdefault(sub_path, []).extend(sub_messages)
    return flat


def _webargs_errors(error: HTTPException) -> dict | None:
    """flask-smorest puts validation messages under their location (json, query...)."""
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if not messages:
        return None
    flat: dict[str, list[str]] = {}
    for location, location_messages in messages.items():
        for path, msgs in flatten_messages(location_messages).items():
            key = path if location in ("json", "files") else f"{location}.{path}"
            flat.setdefault(key, []).extend(msgs)
    return flat


# SQLSTATEs of integrity errors (PostgreSQL), and SQLite's words for the same.
_KINDS = {"23505": "unique", "23514": "check", "23503": "foreign key", "23502": "not null"}
_SQLITE_KINDS = {
    "UNIQUE": "unique",
    "CHECK": "check",
    "FOREIGN KEY": "foreign key",
    "NOT NULL": "not null",
}


def broken_constraint(error: IntegrityError) -> tuple[str, str | None]:
    """What kind of constraint ``error`` broke, and the field it guards, if known."""
    original = error.orig
    diagnostics = getattr(original, "diag", None)
    if diagnostics is not None:  # PostgreSQL
        kind = _KINDS.get(getattr(original, "sqlstate", ""), "unknown")
        name = diagnostics.constraint_name
        return kind, diagnostics.column_name or (_field_of(name) if name else None)
    text = str(original)  # SQLite: "CHECK constraint failed: ck_check_ins_rpe_range"
    kind = next((k for word, k in _SQLITE_KINDS.items() if text.startswith(word)), "unknown")
    detail = text.partition(":")[2].strip()
    if kind == "check":
        return kind, _field_of(detail)
    if kind in ("unique", "not null") and "." in detail:
        return kind, detail.split(",")[0].split(".", 1)[1]
    return kind, None


def constraint_name(error: IntegrityError) -> str | None:
    """The name of the constraint ``error`` broke, so that a service can tell a clash it
    expects from any other refusal. PostgreSQL names it; SQLite names a CHECK, and a
    UNIQUE by its columns, which are matched against the models' unique indexes and
    constraints (named by the naming convention where the model names none)."""
    original = error.orig
    diagnostics = getattr(original, "diag", None)
    if diagnostics is not None:  # PostgreSQL
        return diagnostics.constraint_name
    word, _, detail = str(original).partition(" constraint failed: ")
    if word == "CHECK":
        return detail.strip()
    if word != "UNIQUE":
        return None
    columns = [name.strip() for name in detail.split(",")]
    table_name = columns[0].partition(".")[0]
    columns = [name.partition(".")[2] for name in columns]
    table = db.metadata.tables.get(table_name)
    if table is None:
        return None
    for index in table.indexes:
        if index.unique and [c.name for c in index.columns] == columns:
            return index.name
    for constraint in table.constraints:
        if isinstance(constraint, sa.UniqueConstraint) and constraint.columns.keys() == columns:
            return constraint.name if isinstance(constraint.name, str) else None
    return None


def _field_of(constraint: str) -> str | None:
    """The field a named constraint guards: the naming convention puts it there
    (``ck_<table>_<field>``, ``…_<field>_range``, ``…_<field>_positive``)."""
    # The longest table name first: ``check_in_ratings`` before a ``check_in``.
    for table in sorted(db.metadata.tables, key=len, reverse=True):
        prefix = f"ck_{table}_"
        if constraint.startswith(prefix):
            rule = constraint.removeprefix(prefix)
            for suffix in ("_range", "_positive"):
                rule = rule.removesuffix(suffix)
            return rule
    return None


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(AcademyError)
    def handle_domain_error(error: AcademyError):
        if isinstance(error, DatabaseUnavailable):
            return _unavailable(error.__cause__ or error, error.detail)
        if error.keep:
            db.session.commit()
        else:
            db.session.rollback()
        error.settle()
        response = problem(
            error.status, error.detail, slug=error.slug, errors=error.errors, **error.extra
        )
        # Too many requests, or a store that is away: come back after this long.
        retry_after = getattr(error, "retry_after", None)
        if retry_after:
            response.headers["Retry-After"] = str(retry_after)
        return response

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        db.session.rollback()
        status = error.code or 500
        errors = _webargs_errors(error)
        detail: str | None
        if status == 400 and errors:
            detail = "The request body is not valid JSON."
        elif status == 422:
            detail = "The request did not pass validation."
        else:
            detail = error.description if status != 500 else None
        # Every 422 that names fields is one problem type, whoever raised it.
        slug = Unprocessable.slug if status == 422 else None
        response = problem(status, detail, slug=slug, errors=errors)
        headers = (getattr(error, "data", None) or {}).get("headers") or {}
        for name, value in headers.items():
            response.headers[name] = value
        if status == 405 and (allowed := getattr(error, "valid_methods", None)):
            response.headers["Allow"] = ", ".join(allowed)
        return response

    @app.errorhandler(StaleDataError)
    def handle_stale(error: StaleDataError):
        db.session.rollback()
        return problem(
            412,
            "Someone changed this resource since you read it; fetch it again.",
            slug="precondition-failed",
        )

    @app.errorhandler(IntegrityError)
    def handle_integrity(error: IntegrityError):
        """By the constraint broken: a uniqueness clash is 409; a value a CHECK or a
        foreign key refuses is 422 naming its field (the schemas should have caught it,
        so it is logged as a gap to close)."""
        db.session.rollback()
        kind, field = broken_constraint(error)
        log.info("integrity error (%s on %s): %s", kind, field, type(error.orig).__name__)
        if kind == "unique":
            return problem(
                409, "The request clashes with data that already exists.", slug="conflict"
            )
        messages = {
            "check": "Not an allowed value.",
            "foreign key": "Refers to something that does not exist.",
            "not null": "Must be given.",
        }
        return problem(
            422,
            "The request did not pass validation.",
            slug=Unprocessable.slug,
            errors={field or "_body": [messages.get(kind, "Not an allowed value.")]},
        )

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        if database.unavailable(error):
            return _unavailable(error)
        db.session.rollback()
        _log_unexpected(error)
        return problem(500, "Something went wrong on our side.", slug="internal-error")


def _unavailable(error: BaseException, detail: str | None = None):
    """503 with ``Retry-After``: the caller may try again, unlike after a 500. Logged
    without the error's message, and with its traceback at most once a minute (the log
    filter counts the repeats): an outage fails every request."""
    # The connection may be gone with the database; the pool replaces it.
    with contextlib.suppress(SQLAlchemyError):
        db.session.rollback()
    kind = database.error_kind(error)
    log.error(
        "database unavailable (%s) in: %s\n%s",
        kind,
        getattr(error, "statement", None),  # its parameters are hidden by the engine
        "".join(traceback.format_tb(error.__traceback__)),
        extra={"once_a_minute": ("database unavailable", kind)},
    )
    response = problem(
        503,
        detail or "The database is unavailable; try again shortly.",
        slug=DatabaseUnavailable.slug,
    )
    response.headers["Retry-After"] = str(database.retry_after_seconds(current_app))
    return response


def _log_unexpected(error: Exception) -> None:
    """Log what went wrong without the data it went wrong on.

    A database error's message can quote the row it refused (PostgreSQL's "Failing
    row contains (...)" holds a check-in's notes or sleep), so for those only the kind,
    the SQLSTATE, the constraint and the statement (its parameters are hidden by the
    engine) are logged, with the traceback's frames.
    """
    if not isinstance(error, DBAPIError):
        log.exception("unhandled error")
        return
    original = error.orig
    diagnostics = getattr(original, "diag", None)
    log.error(
        "unhandled database error %s (%s, sqlstate %s, constraint %s) in: %s\n%s",
        type(error).__name__,
        type(original).__name__,
        getattr(original, "sqlstate", None),
        getattr(diagnostics, "constraint_name", None),
        error.statement,
        "".join(traceback.format_tb(error.__traceback__)),
        extra={"once_a_minute": ("database error", database.error_kind(error), error.statement)},
    )
