"""The coach's heavy reads reach a client's history through that client's own indexes,
never by scanning the academy's: checked on the plans the database itself chooses
(EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL), with planner statistics taken
after a bulk load, for an academy of a few hundred clients beside another. (On
PostgreSQL, tables this small are cheapest read whole, so sequential scans are priced
out first: the plan then names the index it would take on a large academy.)"""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from academy import database
from academy.auth.models import User
from academy.checkins import summaries
from academy.checkins.models import CheckIn, CheckInRating
from academy.clients.models import Client
from academy.extensions import db
from academy.programs.models import Assignment, Program, ProgramSession
from tests.checkins.conftest import TODAY
from tests.conftest import make_academy, make_user, sign_in

CLIENTS, OTHERS = 400, 100
# The tables that hold the clients' history: a read reaches their rows by a client's (or
# a program's, a session's) own index, never through the academy's index or a scan.
HISTORY = ("check_ins", "check_in_ratings", "assignments", "program_sessions")


def _bulk(model, rows: list[dict]) -> list[int]:
    """Insert ``rows`` as they are; answers their ids."""
    table = model.__table__
    result = db.session.execute(sa.insert(table).returning(table.c.id), rows)
    return list(result.scalars())


def _academy_with_history(name: str, clients: int, coach_email: str | None = None):
    academy = make_academy(name)
    coach = make_user(academy, "owner", f"Coach {name}", coach_email) if coach_email else None
    now = datetime(2026, 3, 1, tzinfo=UTC)
    ids = _bulk(
        User,
        [
            {"academy_id": academy.id, "role": "client", "name": f"{name} {n:04d}",
             "email": f"{name.lower()}-{n}@plans.test", "timezone": "Europe/London",
             "status": "active", "search_text": "", "created_at": now, "updated_at": now}
            for n in range(clients)
        ],
    )  # fmt: skip
    db.session.execute(
        sa.insert(Client.__table__),
        [{"id": i, "academy_id": academy.id, "goals": "", "coach_notes": "", "status": "active",
          "version": 1, "created_at": now, "updated_at": now} for i in ids],
    )  # fmt: skip
    programs = _bulk(
        Program,
        [
            {"academy_id": academy.id, "kind": "client", "client_id": i, "name": "P",
             "description": "", "goal": "", "weeks": 10, "search_text": "", "version": 1,
             "created_at": now, "updated_at": now}
            for i in ids
        ],
    )  # fmt: skip
    sessions = _bulk(
        ProgramSession,
        [
            {"program_id": p, "week": w, "day": d, "title": "", "notes": "", "created_at": now}
            for p in programs
            for w in range(1, 11)
            for d in (1, 3, 5)
        ],
    )  # fmt: skip
    start = TODAY - timedelta(days=50)
    assignments = _bulk(
        Assignment,
        [
            {"academy_id": academy.id, "client_id": i, "program_id": p, "start_date": start,
             "status": "active", "notes": "", "version": 1, "created_at": now,
             "updated_at": now}
            for i, p in zip(ids, programs, strict=True)
        ],
    )  # fmt: skip
    check_ins = []
    for n, (client_id, assignment_id) in enumerate(zip(ids, assignments, strict=True)):
        for s, session_id in enumerate(sessions[30 * n : 30 * n + 22]):
            week, day = 1 + s // 3, (1, 3, 5)[s % 3]
            on = start + timedelta(days=7 * (week - 1) + day - 1)
            check_ins.append(
                {"academy_id": academy.id, "client_id": client_id, "date": on,
                 "assignment_id": assignment_id, "session_id": session_id,
                 "completed": (n + s) % 5 != 0, "rpe": 5, "duration_minutes": 40, "notes": "",
                 "version": 1, "created_at": now, "updated_at": now}
            )  # fmt: skip
    check_in_ids = _bulk(CheckIn, check_ins)
    db.session.execute(
        sa.insert(CheckInRating.__table__),
        [{"check_in_id": c, "academy_id": academy.id, "client_id": row["client_id"],
          "date": row["date"], "position": 0, "region": "knee", "side": "left",
          "tightness": 2, "pain": 7 if c % 13 == 0 else c % 3}
         for c, row in zip(check_in_ids, check_ins, strict=True)],
    )  # fmt: skip
    return coach, ids


@pytest.fixture
def large_academy(app):
    """An academy of CLIENTS clients with ten weeks of history each, beside another of
    OTHERS, their summaries built and the planner's statistics fresh."""
    coach, ids = _academy_with_history("Large", CLIENTS, "coach@plans.test")
    _academy_with_history("Other", OTHERS)
    db.session.commit()
    connection = db.session.connection()
    summaries.rebuild(connection)
    db.session.commit()
    database.analyze(db.session.connection())
    db.session.commit()
    yield sign_in(coach), ids
    db.session.rollback()
    if db.engine.dialect.name == "postgresql":
        # Row by row, each program session deleted would look for check-ins naming it.
        tables = ", ".join(table.name for table in db.metadata.sorted_tables)
        db.session.execute(sa.text(f"TRUNCATE {tables} CASCADE"))
        db.session.commit()


READS = [
    "/api/v1/dashboard",
    "/api/v1/dashboard?page=5",
    "/api/v1/clients?page=3",
    "/api/v1/clients?page=7&sort=compliance_7d",
    "/api/v1/clients?page=2&sort=-last_check_in",
    "/api/v1/clients/{id}/adherence",
]


def _statements(http, coach, path: str) -> list[tuple[str, object]]:
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = http.get(path, headers=coach.headers)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200, response.get_data(as_text=True)
    return seen


def _plan(statement: str, parameters) -> list[str]:
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        return [row[3] for row in rows]
    # A few hundred clients' rows fit in a few pages, which PostgreSQL rightly reads
    # whole; with sequential scans priced out, the plan shows which index it would take.
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    try:
        rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
        return [row[0].strip() for row in rows]
    finally:
        connection.exec_driver_sql("SET LOCAL enable_seqscan = on")


_SQLITE_STEP = re.compile(r"^(SCAN|SEARCH) (\w+)(?: AS \w+)?(?: USING (?:COVERING )?INDEX (\w+))?")
_POSTGRESQL_STEP = re.compile(
    r"(Seq Scan|Index Scan|Index Only Scan|Bitmap Index Scan) (?:using (\w+) )?on (\w+)"
)


def _steps(plan: list[str]) -> list[tuple[str, str, str | None]]:
    """(how, table, index) of each step of ``plan`` that reads a table of the history."""
    steps = []
    for line in plan:
        if found := _SQLITE_STEP.match(line):
            how, table, index = found.groups()
            how = "scan" if how == "SCAN" else "search"
        elif found := _POSTGRESQL_STEP.search(line):
            kind, index, table = found.groups()
            how = "scan" if kind == "Seq Scan" else "search"
            if kind == "Bitmap Index Scan":  # "on" names the index, which names its table
                index, table = table, table.split("_", 1)[1]
        else:
            continue
        table = next((t for t in HISTORY if table.startswith(t)), None)
        if table is not None:
            steps.append((how, table, index))
    return steps


class TestHeavyReadsUseTheClientsIndexes:
    @pytest.mark.parametrize("path", READS)
    def test_no_read_scans_a_history_table(self, http, large_academy, path):
        coach, ids = large_academy

        found = []
        for statement, parameters in _statements(http, coach, path.format(id=ids[7])):
            for how, table, index in _steps(_plan(statement, parameters)):
                found.append((how, table, index))
                assert how == "search", f"{path}: {table} scanned in\n{statement}"
                if index is not None and index in {
                    i["name"] for i in sa.inspect(db.engine).get_indexes(table)
                }:
                    columns = next(
                        i["column_names"]
                        for i in sa.inspect(db.engine).get_indexes(table)
                        if i["name"] == index
                    )
                    assert columns[0] != "academy_id", (
                        f"{path}: {table} read through {index} ({columns}) in\n{statement}"
                    )

        print(path, sorted(set(found), key=str))
