"""On SQLite, write transactions queue for the database file's writer lock
(``database.QueuedWriters``): held from a transaction's first write until it commits or
rolls back, whatever the transaction does in between; waited for at most the bound,
then an outage; let go of by the system when its holder dies."""

import fcntl
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from contextlib import closing

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from academy import database

TABLE = "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"


def _queued(path, seconds: float = 5.0, **options) -> database.QueuedWriters:
    factory = type("Queued", (database.QueuedWriters,), {"wait_seconds": seconds})
    connection = sqlite3.connect(path, factory=factory, check_same_thread=False, **options)
    connection.execute("PRAGMA journal_mode = WAL")
    return connection


def _held(path) -> bool:
    """Whether someone holds the writer lock of the database at ``path``."""
    descriptor = os.open(f"{path}.writer", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)
    return False


@pytest.fixture
def path(tmp_path):
    path = tmp_path / "queued.db"
    with closing(sqlite3.connect(path)) as setup:
        setup.execute(TABLE)
    return path


OPERATIONS = st.lists(
    st.sampled_from(["read", "insert", "update", "delete", "commit", "rollback", "failing"]),
    max_size=30,
)


class TestTheLockIsHeldForTheWriteTransactionOnly:
    @settings(max_examples=60, deadline=None)
    @given(operations=OPERATIONS)
    def test_from_the_first_write_to_the_commit_or_rollback(self, tmp_path_factory, operations):
        path = tmp_path_factory.mktemp("queue") / "queued.db"
        with closing(_queued(path)) as connection:
            connection.execute(TABLE)
            writing = False
            for operation in operations:
                if operation == "read":
                    connection.execute("SELECT count(*) FROM notes").fetchall()
                elif operation == "insert":
                    connection.execute("INSERT INTO notes (body) VALUES ('left hip')")
                    writing = True
                elif operation == "update":
                    connection.execute("  update notes SET body = 'right hip'")
                    writing = True
                elif operation == "delete":
                    connection.cursor().executemany("DELETE FROM notes WHERE id = ?", [(1,), (2,)])
                    writing = True
                elif operation == "failing":  # a write the database refuses: still begun
                    with pytest.raises(sqlite3.IntegrityError):
                        connection.execute("INSERT INTO notes (body) VALUES (NULL)")
                    writing = True
                else:
                    getattr(connection, operation)()
                    writing = False
                assert _held(path) is writing
                assert connection.in_transaction is writing
        assert not _held(path)  # closed mid-transaction: let go of

    def test_a_write_in_autocommit_lets_go_at_once(self, path):
        with closing(_queued(path, isolation_level=None)) as connection:
            connection.execute("INSERT INTO notes (body) VALUES ('hamstrings')")

            assert not _held(path)
            assert connection.execute("SELECT count(*) FROM notes").fetchone() == (1,)

    def test_releasing_the_outermost_savepoint_ends_the_hold(self, path):
        with closing(_queued(path)) as connection:
            connection.execute("SAVEPOINT outer")
            connection.execute("INSERT INTO notes (body) VALUES ('calves')")
            assert _held(path)

            connection.execute("RELEASE SAVEPOINT outer")

            assert not _held(path)
            assert not connection.in_transaction


class TestWaiting:
    def test_writers_of_many_threads_all_write_one_at_a_time(self, path):
        """Eight threads, twenty write transactions each, a read between the write and
        the commit: every row lands, no writer is turned away."""
        failures: list[BaseException] = []

        def write(thread: int) -> None:
            with closing(_queued(path)) as connection:
                for n in range(20):
                    try:
                        connection.execute(
                            "INSERT INTO notes (body) VALUES (?)", (f"{thread}-{n}",)
                        )
                        connection.execute("SELECT count(*) FROM notes").fetchall()
                        connection.commit()
                    except BaseException as error:
                        failures.append(error)

        threads = [threading.Thread(target=write, args=(t,)) for t in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert failures == []
        with closing(sqlite3.connect(path)) as reader:
            assert reader.execute(
                "SELECT count(*), count(DISTINCT body) FROM notes"
            ).fetchone() == (
                160,
                160,
            )
        assert not _held(path)

    def test_past_the_bound_the_database_is_locked_an_outage(self, path):
        with closing(_queued(path)) as holder, closing(_queued(path, 0.2)) as waiter:
            holder.execute("INSERT INTO notes (body) VALUES ('held')")

            with pytest.raises(sqlite3.OperationalError, match="database is locked") as caught:
                waiter.execute("INSERT INTO notes (body) VALUES ('waited')")

            assert database.unavailable(caught.value)
            assert not waiter.in_transaction
            holder.commit()
            waiter.execute("INSERT INTO notes (body) VALUES ('then written')")
            waiter.commit()

    def test_a_holder_that_dies_leaves_the_lock_free(self, path):
        """A worker killed in the middle of a write (gunicorn's timeout, the OOM killer)
        holds nothing after: the system closes its files, and SQLite rolls it back."""
        script = (
            "import sqlite3, sys, time\n"
            "from academy import database\n"
            f"c = sqlite3.connect({str(path)!r}, factory=database.QueuedWriters)\n"
            "c.execute(\"INSERT INTO notes (body) VALUES ('never committed')\")\n"
            "print('holding', flush=True)\n"
            "time.sleep(60)\n"
        )
        holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout.readline().strip() == "holding"
            assert _held(path)
        finally:
            holder.send_signal(signal.SIGKILL)
            holder.wait(timeout=10)

        with closing(_queued(path, 1.0)) as connection:
            connection.execute("INSERT INTO notes (body) VALUES ('after')")
            connection.commit()
            assert connection.execute("SELECT body FROM notes").fetchall() == [("after",)]


class TestTheEngine:
    def test_an_engine_queues_its_connections_writes(self, path):
        engine = sa.create_engine(f"sqlite:///{path}")
        database.queue_writers(engine, 2.0)
        try:
            with engine.connect() as connection:
                assert isinstance(connection.connection.dbapi_connection, database.QueuedWriters)
                connection.execute(sa.text("INSERT INTO notes (body) VALUES ('queued')"))
                assert _held(path)
                connection.commit()
                assert not _held(path)
        finally:
            engine.dispose()

    def test_an_in_memory_database_has_no_queue(self):
        with closing(sqlite3.connect(":memory:", factory=database.QueuedWriters)) as connection:
            connection.execute(TABLE)
            connection.execute("INSERT INTO notes (body) VALUES ('kept in memory')")
            connection.commit()
            assert connection.execute("SELECT count(*) FROM notes").fetchone() == (1,)
