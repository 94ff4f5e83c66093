"""Engine settings that depend on the database in use."""

import sqlalchemy as sa
from flask import Flask

from academy.extensions import db


def engine_options(app: Flask) -> None:
    """PostgreSQL: no statement waits more than ``IDEMPOTENCY_WAIT_SECONDS`` for a lock.

    Set once per connection rather than per request: a retried check-in waits that long
    for the first request with its key, then answers 409; nothing else should wait
    longer for a lock either.
    """
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return
    milliseconds = int(app.config["IDEMPOTENCY_WAIT_SECONDS"] * 1000)
    options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    connect_args = dict(options.get("connect_args", {}))
    connect_args["options"] = f"-c lock_timeout={milliseconds}"
    options["connect_args"] = connect_args
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def configure_engine(app: Flask) -> None:
    """SQLite: foreign keys on, WAL so readers never block the writer, a busy timeout
    so several server workers can write at once, and a Unicode-aware lower()."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    busy_timeout = int(app.config["SQLITE_BUSY_TIMEOUT_MS"])

    @sa.event.listens_for(engine, "connect")
    def set_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute(f"PRAGMA busy_timeout = {busy_timeout}")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()
        # SQLite's lower() folds ASCII only; searches must match as on PostgreSQL.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)


def _lower(value):
    return value.lower() if isinstance(value, str) else value
