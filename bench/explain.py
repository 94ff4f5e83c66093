"""Find the slowest SQL statement behind some reads, and PostgreSQL's plan for it.

Each read is requested in-process through Flask's test client, twice: the first time
warms the app's and the database's caches, the second is timed statement by statement
with SQLAlchemy's cursor events. The slowest statement then runs once more under
``EXPLAIN (ANALYZE, BUFFERS)`` with the very parameters the app gave it.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient

from academy import create_app
from academy.extensions import db


@dataclass(frozen=True)
class Read:
    """A GET to request as a signed-in user."""

    name: str
    path: str
    token: str


@dataclass(frozen=True)
class Statement:
    """One statement as the driver received it, and how long it took."""

    read: str
    sql: str
    parameters: Any
    milliseconds: float


def statements(url: str, reads: list[Read]) -> list[Statement]:
    """Every statement that the (warm) reads issue on ``url``, in order."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "LOG_LEVEL": "WARNING"})
    http = app.test_client()
    try:
        with app.app_context():
            engine = db.engine
        found = []
        for read in reads:
            headers = {"Authorization": f"Bearer {read.token}"}
            _get(http, read.path, headers)
            with _timed(engine) as timings:
                _get(http, read.path, headers)
            found += [Statement(read.name, *timing) for timing in timings]
        return found
    finally:
        with app.app_context():
            db.engine.dispose()


def explain(url: str, statement: Statement) -> str:
    """``EXPLAIN (ANALYZE, BUFFERS)`` of ``statement`` on PostgreSQL, as text."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql(
                f"EXPLAIN (ANALYZE, BUFFERS) {statement.sql}", statement.parameters
            )
            return "\n".join(row[0] for row in rows)
    finally:
        engine.dispose()


def _get(http: FlaskClient, path: str, headers: dict[str, str]) -> None:
    response = http.get(path, headers=headers)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path}: {response.status}\n{response.get_data(as_text=True)}")


@contextmanager
def _timed(engine: sa.Engine) -> Iterator[list[tuple[str, Any, float]]]:
    """Collects (sql, parameters, milliseconds) of each statement run on ``engine``."""
    timings: list[tuple[str, Any, float]] = []
    started: dict[int, float] = {}

    def before(_connection, cursor, _sql, _parameters, _context, _executemany):
        started[id(cursor)] = time.perf_counter()

    def after(_connection, cursor, sql, parameters, _context, _executemany):
        elapsed = time.perf_counter() - started.pop(id(cursor))
        timings.append((sql, parameters, elapsed * 1000))

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        yield timings
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)
