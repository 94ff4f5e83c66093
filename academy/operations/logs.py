"""Logs: one JSON object per line on standard error, for the app, SQLAlchemy, Alembic and
gunicorn alike (``gunicorn.conf.py`` hands gunicorn's loggers the same handler).

- Every line written while a request is handled carries its ``request_id``.
- A database error's traceback is written without the error's message: a message can
  quote the row it refused (a check-in's notes, sleep), and the statement's values are
  hidden by the engine (``hide_parameters``).
- The same error is written with its traceback at most once a minute
  (``LOG_REPEAT_SECONDS``) per process; the repeats in between are counted, and the
  count goes out with the next line (``repeats``). An outage fails every request, and
  one traceback each would flood the log (tens of MB a minute) and hide what else
  happened.
"""

import logging
import sqlite3
import sys
import threading
import time
import traceback

import psycopg
import sqlalchemy as sa
from flask import g, has_request_context
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

from academy import database

# What a record's ``once_a_minute`` extra names, or a database error it carries, is
# written at most once in this many seconds (until the app sets LOG_REPEAT_SECONDS).
ONCE_EVERY_SECONDS = 60.0

_DATABASE_ERRORS = (sa.exc.SQLAlchemyError, psycopg.Error, sqlite3.Error)


class JsonFormatter(_JsonFormatter):
    """``{"level", "logger", "message", "process", ...extras, "time"}``, times in UTC;
    ``process`` tells gunicorn's workers apart."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", ["levelname", "name", "message", "process"])
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", "time")
        super().__init__(*args, **kwargs)

    def formatException(self, ei):
        error = ei[1]
        if not _database_error_in(error):
            return super().formatException(ei)
        # Frames and kinds only: no message of this error or of the ones it chains.
        lines = ["Traceback (most recent call last):\n", *traceback.format_tb(ei[2])]
        return "".join(lines) + database.error_kind(error)


class RequestId(logging.Filter):
    """Adds the id of the request being handled (``X-Request-ID``) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id") and has_request_context():
            request_id = g.get("request_id")
            if request_id:
                record.request_id = request_id
        return True


class OnceAMinute(logging.Filter):
    """Lets the same error through once every ``seconds`` and counts the rest.

    "The same" is what a record's ``once_a_minute`` extra names, or else, for a record
    that carries a database error, its logger, message and kind of error.
    """

    def __init__(self, seconds: float = ONCE_EVERY_SECONDS):
        super().__init__()
        self.seconds = seconds
        self._lock = threading.Lock()
        self._seen: dict[tuple, tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = _repeat_key(record)
        if key is None:
            return True
        now = time.monotonic()
        with self._lock:
            last, repeats = self._seen.get(key, (None, 0))
            if last is not None and now - last < self.seconds:
                self._seen[key] = (last, repeats + 1)
                return False
            self._seen[key] = (now, 0)
        if repeats:
            record.repeats = repeats  # since this error was last written
        return True


def _repeat_key(record: logging.LogRecord) -> tuple | None:
    named = record.__dict__.pop("once_a_minute", None)
    if named is not None:
        return (record.name, *named)
    error = record.exc_info[1] if record.exc_info else None
    if error is not None and _database_error_in(error):
        return (record.name, str(record.msg), database.error_kind(error))
    return None


def _database_error_in(error: BaseException | None) -> bool:
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, _DATABASE_ERRORS):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


class JsonHandler(logging.StreamHandler):
    """JSON lines with the request id and repeats counted, on ``stream`` or else on
    whatever standard error is at the time (a test runner swaps it)."""

    academy = True  # marks the handler, so that it is installed once

    def __init__(self, stream=None, level=logging.NOTSET):
        super().__init__()
        self._to = stream
        self.setLevel(level)
        self.setFormatter(JsonFormatter())
        self.addFilter(RequestId())
        self.addFilter(OnceAMinute())

    @property
    def stream(self):
        return self._to if self._to is not None else sys.stderr

    @stream.setter
    def stream(self, value):
        # logging.StreamHandler sets it to standard error on creation: keep ours.
        if value is not sys.stderr:
            self._to = value


def configure(level: str, repeat_seconds: float = ONCE_EVERY_SECONDS) -> None:
    """Send every logger's records through one JSON handler on the root logger (unless
    gunicorn's configuration did already), set Academy's level and how often the same
    error's traceback may be written.

    The root stays at WARNING: SQLAlchemy logs every statement at INFO.
    """
    root = logging.getLogger()
    ours = [handler for handler in root.handlers if getattr(handler, "academy", False)]
    if not ours:
        ours = [JsonHandler()]
        root.addHandler(ours[0])
    for handler in ours:
        for once in handler.filters:
            if isinstance(once, OnceAMinute):
                once.seconds = repeat_seconds
    logging.getLogger("academy").setLevel(level)
