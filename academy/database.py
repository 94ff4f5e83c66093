"""Engine settings that depend on the database in use."""

import sqlalchemy as sa
from flask import Flask

from academy.extensions import db


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
