"""A database that is down, full, read-only, locked or silent answers 503 problem+json
with Retry-After (an outage the caller may retry), never a 500 (a bug) or a hang; and
/readyz tells a database that reads but cannot write from a healthy one.

The faults here are injected: a DBAPI error raised where the statement would run, or a
lock held by another transaction. tests/operations/test_faults.py stops and freezes a
real PostgreSQL under a real gunicorn."""

import io
import json
import logging
import sqlite3
import time
from contextlib import contextmanager

import psycopg
import pytest
import sqlalchemy as sa

from academy import create_app, database
from academy.checkins.models import CheckIn
from academy.common.idempotency import IdempotencyKey
from academy.config import TestConfig
from academy.extensions import db
from academy.operations import logs
from academy.operations.models import Heartbeat
from tests.conftest import count_rows, problem_of

CHECK_IN = {"date": "2026-03-02", "rpe": 5, "notes": "Left hip tight after the long run"}

# Outages as each driver reports them.
POSTGRESQL_OUTAGES = [
    psycopg.errors.DiskFull("could not extend file: No space left on device"),
    psycopg.errors.ReadOnlySqlTransaction("cannot execute INSERT in a read-only transaction"),
    psycopg.errors.QueryCanceled("canceling statement due to statement timeout"),
    psycopg.errors.LockNotAvailable("canceling statement due to lock timeout"),
    psycopg.errors.AdminShutdown("terminating connection due to administrator command"),
    psycopg.errors.CannotConnectNow("the database system is starting up"),
    psycopg.errors.ConnectionFailure("connection to server was lost"),
    psycopg.errors.TooManyConnections("sorry, too many clients already"),
    psycopg.errors.IoError("could not write to file"),
    psycopg.OperationalError("connection failed: Connection refused"),  # no SQLSTATE
    database.NoAnswer("the database did not answer within 5.25 s"),
]
SQLITE_OUTAGES = [sqlite3.OperationalError(message) for message in database.OUTAGE_SQLITE_MESSAGES]
# Errors that are Academy's fault, not an outage.
POSTGRESQL_BUGS = [
    psycopg.errors.UndefinedTable('relation "check_ins" does not exist'),
    psycopg.errors.StatementTooComplex("stack depth limit exceeded"),  # class 54: a bug
    psycopg.errors.InvalidTextRepresentation("invalid input syntax for type integer"),
]
SQLITE_BUGS = [
    sqlite3.OperationalError("no such table: check_ins"),
    sqlite3.ProgrammingError("Incorrect number of bindings supplied."),
]


def _name(error: Exception) -> str:
    return f"{type(error).__name__}-{str(error)[:24]}"


class TestClassification:
    @pytest.mark.parametrize("error", POSTGRESQL_OUTAGES + SQLITE_OUTAGES, ids=_name)
    def test_an_outage_of_either_database_is_unavailable(self, error):
        wrapped = sa.exc.OperationalError("SELECT 1", {}, error)

        assert database.unavailable(wrapped)
        assert database.unavailable(error)

    @pytest.mark.parametrize("error", POSTGRESQL_BUGS + SQLITE_BUGS, ids=_name)
    def test_a_fault_in_academy_is_not(self, error):
        assert not database.unavailable(sa.exc.DBAPIError("SELECT 1", {}, error))

    def test_waiting_too_long_for_a_pooled_connection_is_unavailable(self):
        assert database.unavailable(sa.exc.TimeoutError("QueuePool limit reached"))

    def test_a_connection_found_broken_is_unavailable(self):
        error = sa.exc.DBAPIError("SELECT 1", {}, Exception("gone"), connection_invalidated=True)

        assert database.unavailable(error)

    def test_sqlite_result_codes_count_without_their_message(self):
        error = sqlite3.OperationalError("something new")
        error.sqlite_errorname = "SQLITE_IOERR_WRITE"

        assert database.unavailable(error)


@pytest.fixture
def failing(app):
    """Make statements that start with a prefix fail with a given DBAPI error."""
    engine = db.engine
    listeners = []

    def fail(prefix: str, error: Exception) -> None:
        def refuse(conn, cursor, statement, parameters, context, executemany):
            if statement.startswith(prefix):
                raise error

        sa.event.listen(engine, "before_cursor_execute", refuse)
        listeners.append(refuse)

    yield fail
    for refuse in listeners:
        sa.event.remove(engine, "before_cursor_execute", refuse)


def _outages(app) -> list[Exception]:
    return POSTGRESQL_OUTAGES if _dialect(app) == "postgresql" else SQLITE_OUTAGES


def _bugs(app) -> list[Exception]:
    return POSTGRESQL_BUGS if _dialect(app) == "postgresql" else SQLITE_BUGS


def _dialect(app) -> str:
    return sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()


def _unavailable(response) -> dict:
    body = problem_of(response, 503)
    assert body["type"].endswith("/database-unavailable")
    assert int(response.headers["Retry-After"]) >= 1
    return body


class TestOutagesAnswer503:
    def test_every_outage_of_this_database_is_503_with_retry_after(
        self, app, http, client_user, failing
    ):
        answers = []
        for error in _outages(app):
            failing("INSERT INTO check_ins", error)

            response = http.post("/api/v1/me/check-ins", json=CHECK_IN, headers=client_user.headers)

            answers.append(response)
        for response in answers:
            body = _unavailable(response)
            assert "Left hip" not in str(body) and "INSERT" not in str(body)
        assert count_rows(CheckIn) == 0

    def test_a_fault_in_academy_stays_a_500(self, app, http, client_user, failing):
        for error in _bugs(app):
            failing("INSERT INTO check_ins", error)

            response = http.post("/api/v1/me/check-ins", json=CHECK_IN, headers=client_user.headers)

            problem_of(response, 500)
            assert "Retry-After" not in response.headers

    def test_the_answer_is_documented_on_every_operation_that_uses_the_database(self, http):
        spec = http.get("/openapi.json").get_json()

        for path, operations in spec["paths"].items():
            for method, operation in operations.items():
                if method == "parameters":
                    continue
                documented = operation["responses"].get("503")
                if path == "/healthz":
                    assert documented is None
                    continue
                assert documented, f"{method.upper()} {path}"
                assert "Retry-After" in documented["headers"]
                assert "application/problem+json" in documented["content"]


@pytest.fixture
def quick(app):
    """An app on the suite's database that waits half a second for it, at most."""
    quick = create_app(
        type(
            "QuickConfig",
            (TestConfig,),
            {
                "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                "DB_TIMEOUT_SECONDS": 0.5,
            },
        )
    )
    yield quick
    with quick.app_context():
        db.session.remove()
        db.engine.dispose()


@contextmanager
def another_writer(app):
    """Another transaction holds a lock that every check-in needs: the whole database's
    writer lock on SQLite, the check-ins table on PostgreSQL."""
    with db.engine.connect() as other:
        if _dialect(app) == "postgresql":
            other.exec_driver_sql("LOCK TABLE check_ins IN EXCLUSIVE MODE")
        else:
            other.execute(sa.insert(Heartbeat).values(id=1, beat_at=sa.func.current_timestamp()))
        try:
            yield
        finally:
            other.rollback()


class TestLockWaits:
    @pytest.mark.parametrize(
        "key", ["brand-new-key", None], ids=["with-a-new-key", "without-a-key"]
    )
    def test_waiting_on_someone_elses_lock_past_the_bound_is_503_not_409(
        self, app, quick, client_user, key
    ):
        headers = {**client_user.headers, **({"Idempotency-Key": key} if key else {})}
        with another_writer(app):
            started = time.monotonic()

            response = quick.test_client().post(
                "/api/v1/me/check-ins", json=CHECK_IN, headers=headers
            )

            waited = time.monotonic() - started
        _unavailable(response)
        assert 0.4 <= waited < 0.5 + 1
        assert count_rows(CheckIn) == count_rows(IdempotencyKey) == 0

    def test_once_the_lock_is_gone_the_same_key_does_the_work(self, app, quick, client_user):
        headers = {**client_user.headers, "Idempotency-Key": "after-the-wait"}
        with another_writer(app):
            quick.test_client().post("/api/v1/me/check-ins", json=CHECK_IN, headers=headers)

        response = quick.test_client().post("/api/v1/me/check-ins", json=CHECK_IN, headers=headers)

        assert response.status_code == 201
        assert count_rows(CheckIn) == count_rows(IdempotencyKey) == 1


# A statement that runs for minutes on either database, unless something ends it.
ENDLESS = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000000000) "
    "SELECT count(*) FROM n"
)


@contextmanager
def endless_instead_of(engine: sa.Engine, fragment: str):
    """Statements on ``engine`` that contain ``fragment`` run ENDLESS instead."""

    def swap(conn, cursor, statement, parameters, context, executemany):
        if fragment in statement:
            return ENDLESS, type(parameters)()
        return statement, parameters

    sa.event.listen(engine, "before_cursor_execute", swap, retval=True)
    try:
        yield
    finally:
        sa.event.remove(engine, "before_cursor_execute", swap)


class TestSlowStatements:
    def test_a_statement_past_the_bound_is_ended_and_answered_503(self, quick, coach):
        with quick.app_context():
            engine = db.engine
        with endless_instead_of(engine, "client_summaries"):
            started = time.monotonic()

            response = quick.test_client().get("/api/v1/dashboard", headers=coach.headers)

            waited = time.monotonic() - started
        _unavailable(response)
        assert 0.4 <= waited < 0.5 + 1

    def test_the_connection_serves_the_next_request(self, quick, coach):
        with quick.app_context():
            engine = db.engine
        with endless_instead_of(engine, "client_summaries"):
            quick.test_client().get("/api/v1/dashboard", headers=coach.headers)

        response = quick.test_client().get("/api/v1/dashboard", headers=coach.headers)

        assert response.status_code == 200

    def test_migrations_and_bulk_loads_run_unbounded(self, quick):
        # About a second's work on this machine: twice the quick app's bound.
        counted = ENDLESS.replace("2000000000", "6000000")
        with quick.app_context():
            connection = db.session.connection()
            started = time.monotonic()
            with database.unbounded(connection):
                total = connection.exec_driver_sql(counted).scalar()
            took = time.monotonic() - started
            db.session.rollback()  # PostgreSQL's unbounded wait lasts the transaction
            with pytest.raises(sa.exc.OperationalError) as bounded:
                db.session.connection().exec_driver_sql(ENDLESS).scalar()
            db.session.rollback()

        assert total == 6_000_000 and took > 0.5
        assert database.unavailable(bounded.value)


class TestReadiness:
    def test_readyz_writes_its_heartbeat(self, http):
        response = http.get("/readyz")

        assert response.get_json() == {"status": "ok"}
        assert count_rows(Heartbeat) == 1

    def test_a_database_that_reads_but_cannot_write_is_not_ready(self, app, http, failing):
        failing("INSERT INTO heartbeat", _outages(app)[1])  # read-only, or full

        response = http.get("/readyz")

        _unavailable(response)
        assert http.get("/healthz").status_code == 200

    def test_readyz_answers_within_the_bound_while_another_writer_holds_the_lock(self, app, quick):
        with another_writer(app):
            if _dialect(app) == "postgresql":  # the table lock leaves the heartbeat free
                with db.engine.connect() as other:
                    other.exec_driver_sql("LOCK TABLE heartbeat IN EXCLUSIVE MODE")
                    started = time.monotonic()
                    response = quick.test_client().get("/readyz")
                    other.rollback()
            else:
                started = time.monotonic()
                response = quick.test_client().get("/readyz")
            waited = time.monotonic() - started

        _unavailable(response)
        assert waited < 0.5 + 1


class TestOutagesInTheLog:
    def test_the_traceback_is_written_once_a_minute_and_the_repeats_counted(
        self, app, http, client_user, failing, monkeypatch
    ):
        now = [1000.0]
        monkeypatch.setattr(logs.time, "monotonic", lambda: now[0])
        written = io.StringIO()
        handler = logs.JsonHandler(stream=written)
        logger = logging.getLogger("academy.errors")
        logger.addHandler(handler)
        failing("INSERT INTO check_ins", _outages(app)[0])
        try:
            for _ in range(3):
                http.post("/api/v1/me/check-ins", json=CHECK_IN, headers=client_user.headers)
            now[0] += 61
            http.post("/api/v1/me/check-ins", json=CHECK_IN, headers=client_user.headers)
        finally:
            logger.removeHandler(handler)

        entries = [json.loads(line) for line in written.getvalue().splitlines()]
        assert len(entries) == 2
        assert all("database unavailable" in e["message"] for e in entries)
        assert all('File "' in e["message"] for e in entries)  # the traceback's frames
        assert "repeats" not in entries[0] and entries[1]["repeats"] == 2
        assert all(e["request_id"] for e in entries)
        assert "Left hip" not in written.getvalue()


@pytest.fixture
def pooled(app):
    """An app of its own on the suite's database, so that its pool is the test's."""
    pooled = create_app(type("PooledConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": _url(app)}))
    yield pooled
    with pooled.app_context():
        db.session.remove()
        db.engine.dispose()


def _url(app) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"]


@pytest.fixture
def pings(pooled, monkeypatch):
    """How many times the pool has pinged a connection before handing it out."""
    dialect = database.engine(pooled).dialect
    counted = []
    ping = dialect.do_ping

    def counting(dbapi_connection):
        counted.append(1)
        return ping(dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", counting)
    return counted


def _drop_pooled_connection(app, pooled) -> None:
    """The database ends the pooled connection's session, as a restart or an idle-session
    timeout does, while the pool still holds it."""
    with pooled.app_context(), db.engine.connect() as connection:
        pid = connection.connection.dbapi_connection.info.backend_pid
    admin = sa.create_engine(_url(app))
    try:
        with admin.connect() as connection:
            connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        admin.dispose()


class TestPooledConnections:
    def test_a_connection_used_moments_ago_is_handed_out_without_a_ping(self, pooled, pings):
        answers = [pooled.test_client().get("/readyz").status_code for _ in range(5)]

        assert answers == [200] * 5
        assert pings == []

    def test_a_connection_idle_past_the_window_is_pinged_first(self, pooled, pings, monkeypatch):
        pooled.test_client().get("/readyz")
        monkeypatch.setattr(database, "PING_IDLE_SECONDS", 0.0)

        answer = pooled.test_client().get("/readyz")

        assert answer.status_code == 200
        assert len(pings) == 1

    def test_a_connection_the_database_dropped_while_idle_is_replaced_unseen(
        self, app, pooled, monkeypatch
    ):
        if _dialect(app) != "postgresql":
            pytest.skip("a SQLite file has no session to end")
        pooled.test_client().get("/readyz")
        _drop_pooled_connection(app, pooled)
        monkeypatch.setattr(database, "PING_IDLE_SECONDS", 0.0)

        answer = pooled.test_client().get("/readyz")

        assert answer.status_code == 200

    def test_one_dropped_in_the_window_fails_one_request_then_the_pool_is_renewed(
        self, app, pooled
    ):
        if _dialect(app) != "postgresql":
            pytest.skip("a SQLite file has no session to end")
        pooled.test_client().get("/readyz")
        _drop_pooled_connection(app, pooled)

        first = pooled.test_client().get("/readyz")
        second = pooled.test_client().get("/readyz")

        _unavailable(first)
        assert second.status_code == 200
