"""Engine settings that depend on the database in use, the bounds on every wait for it,
and what counts as the database being unavailable rather than Academy being at fault.

``DB_TIMEOUT_SECONDS`` bounds connecting, each statement, each lock and each wait for a
pooled connection. A database that is down, full, read-only, locked or silent past that
bound is an outage: the request answers 503 with ``Retry-After`` (``academy.errors``),
never hangs and never looks like a bug. PostgreSQL ends a statement past the bound
itself (``statement_timeout``); on SQLite a progress handler interrupts it.

SQLite's planner needs statistics to pick a client's own index over the academy's: each
connection runs ``PRAGMA optimize`` when it opens, every hour it lives and when it
closes, as SQLite advises for long-lived connections, and ``analyze`` refreshes them
after a bulk load (the demo, a benchmark's seed, the summaries' rebuild).
"""

import fcntl
import math
import os
import sqlite3
import time
from collections.abc import Callable
from contextlib import contextmanager, suppress
from functools import wraps
from typing import Any

import orjson
import psycopg
import sqlalchemy as sa
from flask import Flask

from academy.extensions import db

# PostgreSQL SQLSTATEs of an outage: the database is going away, full, read-only, or a
# wait ran out. Anything else (a constraint, a syntax error) is Academy's fault.
OUTAGE_SQLSTATES = frozenset(
    {
        "25006",  # read_only_sql_transaction (a standby, or default_transaction_read_only)
        "55P03",  # lock_not_available: lock_timeout ran out
        "57014",  # query_canceled: statement_timeout ran out
        "57P01",  # admin_shutdown
        "57P02",  # crash_shutdown
        "57P03",  # cannot_connect_now (starting up, shutting down, in recovery)
    }
)
OUTAGE_SQLSTATE_CLASSES = frozenset(
    {
        "08",  # connection exception
        "53",  # insufficient resources: disk full (53100), out of memory, too many connections
        "58",  # system error: I/O error (58030)
    }
)
# SQLite's result codes of an outage (Python 3.11+ names them), and their messages for
# errors that carry no code. SQLITE_INTERRUPT: a statement ran past the bound.
OUTAGE_SQLITE_CODES = (
    "SQLITE_INTERRUPT",
    "SQLITE_BUSY",
    "SQLITE_IOERR",
    "SQLITE_FULL",
    "SQLITE_READONLY",
    "SQLITE_CANTOPEN",
)
OUTAGE_SQLITE_MESSAGES = (
    "interrupted",
    "disk i/o error",
    "database or disk is full",
    "attempt to write a readonly database",
    "database is locked",
    "unable to open database file",
)

# A pooled connection used this recently was alive then and is handed out without a
# ping; one idle for longer is pinged first, and replaced if the database has dropped it
# (restarted, or a proxy or firewall closed it). Under load no request pays for a ping;
# a database restarted within this window of a connection's last use fails the one
# request that meets that connection (503), and the pool is then renewed.
PING_IDLE_SECONDS = 0.5
# The server enforces statement_timeout itself; the client gives up a little later, so a
# server that answers is the one to end a slow statement (and its connection stays
# usable), while one that does not answer at all is still left within the bound.
CLIENT_GRACE_SECONDS = 0.25
# SQLite calls the progress handler every this many virtual-machine steps (well under a
# millisecond each time), and a long-lived connection refreshes the planner's statistics
# this often. ANALYZE run by ``PRAGMA optimize`` reads at most this many rows of an index
# (SQLite suggests 100 to 1000; from 3.46 optimize sets a limit of its own).
SQLITE_PROGRESS_STEPS = 10_000
SQLITE_OPTIMIZE_SECONDS = 3600
SQLITE_ANALYSIS_LIMIT = 400


def engine_options(app: Flask) -> None:
    """Every wait bounded: the pool (``pool_timeout``) and, on PostgreSQL, connecting,
    each statement and each lock (server-side), TCP keepalives, and an answer to every
    message (client-side, for a server that is frozen and cannot time anything out).

    Locks wait at most ``IDEMPOTENCY_WAIT_SECONDS`` (and never past the bound): a
    retried check-in waits that long for the first request with its key, then answers
    409.
    """
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    timeout = float(app.config["DB_TIMEOUT_SECONDS"])
    options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    # JSON columns (an exercise's cues and typing, a run's figures) are read with orjson:
    # the client app's reads decode them on every request.
    options.setdefault("json_deserializer", orjson.loads)
    if not _in_memory(uri):  # an in-memory SQLite database has no queue to wait in
        options.setdefault("pool_timeout", timeout)
    if uri.startswith("postgresql"):
        lock_wait = min(float(app.config["IDEMPOTENCY_WAIT_SECONDS"]), timeout)
        connect_args = dict(options.get("connect_args", {}))
        connect_args.update(
            # libpq counts whole seconds, and at least 2.
            connect_timeout=max(2, math.ceil(timeout)),
            options=f"-c lock_timeout={_ms(lock_wait)} -c statement_timeout={_ms(timeout)}",
            # A peer that vanished (host down, network cut) is noticed on idle
            # connections by keepalives, and on busy ones by unacknowledged data.
            keepalives=1,
            keepalives_idle=max(1, round(timeout)),
            keepalives_interval=max(1, round(timeout / 3)),
            keepalives_count=3,
            tcp_user_timeout=_ms(timeout),
        )
        options["connect_args"] = connect_args
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def engine(app: Flask) -> sa.Engine:
    with app.app_context():
        return db.engine


def configure_engine(app: Flask) -> None:
    bound = engine(app)
    _ping_when_idle(bound)
    if bound.dialect.name == "postgresql":
        _bound_answers(bound, float(app.config["DB_TIMEOUT_SECONDS"]) + CLIENT_GRACE_SECONDS)
    elif bound.dialect.name == "sqlite":
        _sqlite_pragmas(bound, busy_timeout_ms(app))
        queue_writers(bound, busy_timeout_ms(app) / 1000)
        _sqlite_statement_bound(bound, float(app.config["DB_TIMEOUT_SECONDS"]))
        _sqlite_statistics(bound)


def busy_timeout_ms(app: Flask) -> int:
    configured = app.config.get("SQLITE_BUSY_TIMEOUT_MS")
    return int(configured if configured is not None else app.config["DB_TIMEOUT_SECONDS"] * 1000)


def retry_after_seconds(app: Flask) -> int:
    """What a 503 tells the caller to wait: about one bound, when the outage may be over."""
    return max(1, math.ceil(app.config["DB_TIMEOUT_SECONDS"]))


class BoundedConnection(psycopg.Connection):
    """A psycopg connection that waits at most ``answer_timeout`` for any answer.

    ``statement_timeout`` is enforced by the server, so a frozen server (or host) never
    enforces it. Past the bound the connection is closed, since the protocol is left
    half-way, and the wait fails as a connection error.
    """

    answer_timeout: float | None = None

    def wait(self, gen, *args, timeout: float | None = None, **kwargs):
        bound = timeout if timeout is not None else self.answer_timeout
        try:
            return super().wait(gen, *args, **{**kwargs, "timeout": bound})
        except psycopg.OperationalError as error:
            if not _wait_ran_out(error):
                raise
            self.pgconn.finish()
            raise NoAnswer(f"the database did not answer within {bound:g} s") from error


class NoAnswer(psycopg.OperationalError):
    """The server took no notice of a message within the bound."""


def _wait_ran_out(error: Exception) -> bool:
    # psycopg's own wait timeout (psycopg.errors._WaitTimeout, internal).
    return type(error).__name__ == "_WaitTimeout"


def _bound_answers(engine: sa.Engine, seconds: float) -> None:
    @sa.event.listens_for(engine, "do_connect")
    def connect(_dialect, _record, cargs, cparams):
        connection = BoundedConnection.connect(*cargs, **cparams)
        connection.answer_timeout = seconds
        return connection


def _ping_when_idle(engine: sa.Engine) -> None:
    """Ping a pooled connection before use only when it has been idle past
    ``PING_IDLE_SECONDS`` (SQLAlchemy's ``pool_pre_ping`` pings before every use: a
    round trip on every request). A connection the database dropped is replaced, and
    every connection pooled before it with it, so the request goes on unharmed. A ping
    that gets no answer within the bound fails the request instead: a new connection
    would wait for the same silent server again, doubling the wait."""

    def fresh(_dbapi_connection, record, *_):
        record.info["idle_since"] = time.monotonic()

    sa.event.listen(engine, "connect", fresh)
    sa.event.listen(engine, "checkin", fresh)

    @sa.event.listens_for(engine, "checkout")
    def ping_if_idle(dbapi_connection, record, _proxy):
        if time.monotonic() - record.info.get("idle_since", 0.0) < PING_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except NoAnswer:
            raise
        except engine.dialect.loaded_dbapi.Error as error:
            if not engine.dialect.is_disconnect(error, dbapi_connection, None):
                raise
            raise sa.exc.InvalidatePoolError("the database dropped a pooled connection") from error


@contextmanager
def unbounded(connection: sa.Connection):
    """Within the block and its transaction, statements on ``connection`` may run as long
    as they need: migrations and bulk loads are not requests."""
    if connection.dialect.name == "sqlite":
        info = connection.connection.info
        usual = info.get(_UNBOUNDED, False)
        info[_UNBOUNDED] = True
        try:
            yield
        finally:
            info[_UNBOUNDED] = usual
        return
    if connection.dialect.name != "postgresql":
        yield
        return
    connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
    raw: Any = connection.connection.dbapi_connection  # a BoundedConnection
    usual = getattr(raw, "answer_timeout", None)
    raw.answer_timeout = None
    try:
        yield
    finally:
        raw.answer_timeout = usual


# SQLite errors after which a connection is not to be trusted again: its file was
# read-only, gone or failing when it was opened or written.
SQLITE_FILE_ERRORS = (
    "attempt to write a readonly database",
    "unable to open database file",
    "disk i/o error",
)


def _sqlite_pragmas(engine: sa.Engine, busy_timeout: int) -> None:
    """SQLite: foreign keys on, WAL so readers never block the writer, a busy timeout so
    several server workers can write at once, and a Unicode-aware lower().

    A connection whose file turned out read-only or failing is dropped with the pool
    (as after a disconnection), so that once the file is repaired the next request
    opens it afresh: SQLite checks permissions only when it opens the file.
    """

    @sa.event.listens_for(engine, "handle_error")
    def reopen_after_file_errors(context):
        message = str(context.original_exception).lower()
        if any(error in message for error in SQLITE_FILE_ERRORS):
            context.is_disconnect = True

    path = engine.url.database or ""
    on_disk = path not in ("", ":memory:") and not path.startswith("file:")

    @sa.event.listens_for(engine, "checkout")
    def reopen_once_writable(_dbapi_connection, record, _proxy):
        # Opened while the file was read-only, the connection stays read-only even after
        # the file is repaired, though it has failed no write yet: open it afresh.
        if on_disk and not record.info.get("writable", True) and os.access(path, os.W_OK):
            raise sa.exc.DisconnectionError("the database file became writable")

    @sa.event.listens_for(engine, "connect")
    def set_pragmas(dbapi_connection, record):
        if on_disk:
            record.info["writable"] = os.access(path, os.W_OK)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute(f"PRAGMA busy_timeout = {busy_timeout}")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()
        # SQLite's lower() folds ASCII only; searches must match as on PostgreSQL.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)


# How often a writer waiting in the queue looks again: at first, and at most.
_QUEUE_FIRST_LOOK, _QUEUE_LOOK_EVERY = 0.0002, 0.001
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC")


def take_flock(path: str, seconds: float) -> int | None:
    """Open the file at ``path`` (made if missing) and take its flock, waiting up to
    ``seconds`` for whoever holds it (looking again every millisecond at most); answers
    the open file, which holds the lock until it is closed, or None when the file cannot
    be opened (a read-only folder). Past ``seconds``, TimeoutError. An flock, so that
    every process on the host sees it, and so that the system lets go of it when its
    holder dies."""
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT)
    except OSError:
        return None
    deadline = time.monotonic() + seconds
    delay = _QUEUE_FIRST_LOOK
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return descriptor
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(descriptor)
                raise TimeoutError(f"{path} stayed locked for {seconds:g} s") from None
            time.sleep(delay)
            delay = min(2 * delay, _QUEUE_LOOK_EVERY)


def _letting_go(end: Callable[[sqlite3.Connection], None]) -> Callable[[Any], None]:
    """``end`` (a commit, a rollback, a close), then the writer lock let go of, whether
    it succeeded or not."""

    @wraps(end)
    def ended(connection: "QueuedWriters") -> None:
        try:
            end(connection)
        finally:
            connection.let_go()

    return ended


class QueuedWriters(sqlite3.Connection):
    """A SQLite connection whose write transactions queue for the database file's
    writer lock, an flock on ``<database>.writer`` taken before a transaction's first
    write and let go of once it commits or rolls back.

    SQLite lets one transaction write at a time; a writer that finds the database taken
    waits in its busy handler, which sleeps 1, 2, 5, 10, 15, 20, 25... ms between tries.
    A lock freed during a sleep stays unused until the sleeper wakes, and a writer of
    the same worker coming back meanwhile takes it first: under two or more workers that
    write, the others sleep through most of the time and writes run about one at a time
    with the lock idle in between. Queued, a waiting writer takes the lock within a
    millisecond of its release, so one worker's writes run while another prepares its
    next. The wait is bounded as SQLite's is (then "database is locked": an outage, 503);
    writers that do not queue (another program, a read-only folder) still meet SQLite's
    busy handler, so the queue is an order, never the guarantee."""

    wait_seconds = 5.0

    def __init__(self, database, *args, **kwargs):
        super().__init__(database, *args, **kwargs)
        path = os.fspath(database)
        on_disk = path not in ("", ":memory:") and not path.startswith("file:")
        self._queue = f"{path}.writer" if on_disk else None
        self._held: int | None = None

    def cursor(self, factory=None):
        return super().cursor(factory or _QueuedCursor)

    # sqlite3's own shortcuts run their statement past the cursor's execute.
    def execute(self, sql, parameters=(), /):
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql, parameters, /):
        return self.cursor().executemany(sql, parameters)

    def wait_for_the_lock(self) -> None:
        if self._held is not None or self._queue is None:
            return
        # None: a read-only folder, where the writes meet the busy handler alone.
        try:
            self._held = take_flock(self._queue, self.wait_seconds)
        except TimeoutError:
            raise sqlite3.OperationalError("database is locked") from None

    def let_go(self) -> None:
        if self._held is not None:
            descriptor, self._held = self._held, None
            os.close(descriptor)

    def let_go_unless_writing(self) -> None:
        """After a statement: a transaction it ended (autocommit, or the release of its
        outermost savepoint) ends the hold."""
        if self._held is not None and not self.in_transaction:
            self.let_go()

    commit = _letting_go(sqlite3.Connection.commit)
    rollback = _letting_go(sqlite3.Connection.rollback)
    close = _letting_go(sqlite3.Connection.close)


class _QueuedCursor(sqlite3.Cursor):
    """Queues for the writer lock before a statement that writes; a statement that
    ended its own transaction (autocommit) lets go of it at once."""

    connection: QueuedWriters

    def execute(self, sql, parameters=(), /):
        return self._queued(super().execute, sql, parameters)

    def executemany(self, sql, parameters, /):
        return self._queued(super().executemany, sql, parameters)

    def _queued(self, run, sql, parameters):
        connection = self.connection
        if sql.lstrip()[:6].upper() in _WRITES:
            connection.wait_for_the_lock()
        try:
            return run(sql, parameters)
        finally:
            connection.let_go_unless_writing()


def queue_writers(engine: sa.Engine, seconds: float) -> None:
    """SQLite: the engine's connections queue their write transactions
    (``QueuedWriters``), each waiting at most ``seconds``."""

    factory = type("QueuedWriters", (QueuedWriters,), {"wait_seconds": seconds})

    @sa.event.listens_for(engine, "do_connect")
    def connect(_dialect, _record, _cargs, cparams):
        cparams["factory"] = factory


# Kept in each pooled SQLite connection's ``info``: when its statement must end, and
# whether it runs unbounded (``unbounded``).
_DEADLINE, _UNBOUNDED, _OPTIMIZED = "academy.deadline", "academy.unbounded", "academy.optimized"


def _sqlite_statement_bound(engine: sa.Engine, seconds: float) -> None:
    """SQLite: a statement still running ``seconds`` after it started (its rows read
    included) is interrupted, SQLITE_INTERRUPT, which is an outage (503), as PostgreSQL's
    ``statement_timeout`` is."""

    @sa.event.listens_for(engine, "connect")
    def watch(dbapi_connection, record):
        info = record.info

        def past_the_bound() -> int:
            deadline = info.get(_DEADLINE)
            return int(deadline is not None and time.monotonic() > deadline)

        dbapi_connection.set_progress_handler(past_the_bound, SQLITE_PROGRESS_STEPS)

    @sa.event.listens_for(engine, "before_cursor_execute")
    def start(connection, _cursor, _statement, _parameters, _context, _executemany):
        info = connection.connection.info
        unbounded = info.get(_UNBOUNDED)
        info[_DEADLINE] = None if unbounded else time.monotonic() + seconds

    @sa.event.listens_for(engine, "checkin")
    def done(_dbapi_connection, record):
        record.info[_DEADLINE] = None


def _sqlite_statistics(engine: sa.Engine) -> None:
    """``PRAGMA optimize`` as SQLite advises for long-lived connections: when one opens
    (every table checked), every SQLITE_OPTIMIZE_SECONDS while it is pooled, and when it
    closes. It re-analyses only the tables whose statistics are missing or stale, and at
    most SQLITE_ANALYSIS_LIMIT rows of each index."""

    def optimize(dbapi_connection, pragma: str = "PRAGMA optimize") -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}")
            cursor.execute(pragma)
        finally:
            cursor.close()

    @sa.event.listens_for(engine, "connect")
    def on_open(dbapi_connection, record):
        optimize(dbapi_connection, "PRAGMA optimize = 0x10002")
        record.info[_OPTIMIZED] = time.monotonic()

    @sa.event.listens_for(engine, "checkin")
    def now_and_then(dbapi_connection, record):
        if dbapi_connection is None:  # invalidated
            return
        if time.monotonic() - record.info.get(_OPTIMIZED, 0.0) >= SQLITE_OPTIMIZE_SECONDS:
            optimize(dbapi_connection)
            record.info[_OPTIMIZED] = time.monotonic()

    @sa.event.listens_for(engine, "close")
    def on_close(dbapi_connection, _record):
        with suppress(sqlite3.Error):  # a connection closed because its file failed
            optimize(dbapi_connection)


def analyze(connection: sa.Connection) -> None:
    """Fresh planner statistics for every table, after a bulk load: on SQLite every row
    read (no analysis limit), on PostgreSQL as ANALYZE samples them. Not bounded: it is
    no request."""
    with unbounded(connection):
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA analysis_limit = 0")
            connection.exec_driver_sql("ANALYZE")
            connection.exec_driver_sql(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}")
        else:
            connection.exec_driver_sql("ANALYZE")


def unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the database is down, full, read-only, locked or silent
    (an outage: 503) rather than that Academy did something wrong (500)."""
    if isinstance(error, sa.exc.TimeoutError):  # no pooled connection within the bound
        return True
    original: BaseException | None = error
    if isinstance(error, sa.exc.DBAPIError):
        if error.connection_invalidated:
            return True
        original = error.orig
    if isinstance(original, psycopg.Error):
        sqlstate = original.sqlstate
        if sqlstate is None:  # raised by the client: refused, closed, no answer
            return isinstance(original, psycopg.OperationalError | psycopg.InterfaceError)
        return sqlstate in OUTAGE_SQLSTATES or sqlstate[:2] in OUTAGE_SQLSTATE_CLASSES
    if isinstance(original, sqlite3.Error):
        code = getattr(original, "sqlite_errorname", None) or ""
        if any(code == name or code.startswith(name + "_") for name in OUTAGE_SQLITE_CODES):
            return True
        message = str(original).lower()
        return any(outage in message for outage in OUTAGE_SQLITE_MESSAGES)
    return False


def error_kind(error: BaseException) -> str:
    """A short name for a database error that tells outages apart without quoting any
    data: the driver's class and its SQLSTATE or SQLite code."""
    original = error.orig if isinstance(error, sa.exc.DBAPIError) else error
    code = getattr(original, "sqlstate", None) or getattr(original, "sqlite_errorname", None)
    name = type(original).__name__
    return f"{name} {code}" if code else name


def _in_memory(uri: str) -> bool:
    url = sa.make_url(uri)
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def _ms(seconds: float) -> int:
    return int(seconds * 1000)


def _lower(value):
    return value.lower() if isinstance(value, str) else value
