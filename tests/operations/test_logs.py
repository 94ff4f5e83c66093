"""The log: JSON lines, database errors without their messages, repeats counted."""

import io
import json
import logging

import psycopg
import pytest
import sqlalchemy as sa

from academy.operations import logs


def record(message: str = "something failed", error: BaseException | None = None, **extra):
    made = logging.LogRecord("academy.errors", logging.ERROR, __file__, 1, message, None, None)
    if error is not None:
        try:
            raise error
        except BaseException as raised:
            made.exc_info = (type(raised), raised, raised.__traceback__)
    made.__dict__.update(extra)
    return made


def database_error() -> sa.exc.DBAPIError:
    refused = psycopg.errors.CheckViolation('Failing row contains (7, "knee pain 8/10").')
    return sa.exc.IntegrityError("INSERT INTO check_ins ...", {}, refused)


@pytest.fixture
def clock(monkeypatch):
    now = [5000.0]
    monkeypatch.setattr(logs.time, "monotonic", lambda: now[0])
    return now


class TestOnceAMinute:
    def test_the_same_error_passes_once_a_minute_and_its_repeats_are_counted(self, clock):
        once = logs.OnceAMinute()

        first = [once.filter(record(once_a_minute=("outage", "DiskFull"))) for _ in range(4)]
        clock[0] += 59
        within = once.filter(record(once_a_minute=("outage", "DiskFull")))
        clock[0] += 2
        later = record(once_a_minute=("outage", "DiskFull"))
        passed = once.filter(later)

        assert first == [True, False, False, False] and within is False
        assert passed and later.repeats == 4

    def test_other_errors_and_ordinary_lines_pass(self, clock):
        once = logs.OnceAMinute()

        assert once.filter(record(once_a_minute=("outage", "DiskFull")))
        assert once.filter(record(once_a_minute=("outage", "QueryCanceled 57014")))
        assert all(once.filter(record("request")) for _ in range(3))
        assert all(once.filter(record(error=ValueError("a bug"))) for _ in range(3))

    def test_a_record_that_carries_a_database_error_is_the_same_by_its_kind(self, clock):
        once = logs.OnceAMinute()

        passed = [once.filter(record("Exception during reset", database_error())) for _ in range(3)]

        assert passed == [True, False, False]


class TestJsonLines:
    def test_a_database_errors_traceback_holds_neither_its_message_nor_its_values(self):
        written = io.StringIO()
        handler = logs.JsonHandler(stream=written)

        handler.emit(record("Exception during reset", database_error()))

        [line] = written.getvalue().splitlines()
        entry = json.loads(line)
        assert entry["level"] == "ERROR" and "Traceback" in entry["exc_info"]
        assert entry["exc_info"].endswith("CheckViolation 23514")
        assert "knee" not in line and "Failing row" not in line

    def test_configure_installs_one_handler_however_many_apps_are_made(self):
        logs.configure("INFO")
        logs.configure("INFO")

        ours = [h for h in logging.getLogger().handlers if getattr(h, "academy", False)]
        assert len(ours) == 1
        assert logging.getLogger().level == logging.WARNING  # SQLAlchemy stays quiet
