"""The check-in benchmark's data: academies of ten clients, each client following an
assigned program and holding a hundred check-ins spread over the last 200 days.

The first academy is the measured one. It is the same in every database, ids
included, so that a read answers byte for byte alike on a small and a large database
and only the size of the tables differs. More academies only make the tables larger:
they are other tenants, as a database of 1 000 clients would hold them, so the
academy-wide dashboard still reads ten clients.

Accounts and clients are written through the API (in-process, as seed.py does), and
so is the whole measured academy: its template and its assignments. The rest (the
other academies' templates and assignments, and every check-in) is inserted in bulk,
row for row as the API writes it, less the audit rows that no read measured here
touches: through the API, the other 990 assignments alone (a program copy each) would
take minutes, and the check-ins longer.
"""

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import seed
import sqlalchemy as sa
from flask.testing import FlaskClient

from academy.checkins import summaries
from academy.checkins.models import CheckIn, CheckInRating, CheckInResult
from academy.common.time import utcnow
from academy.extensions import db
from academy.programs.dates import session_date
from academy.programs.models import Assignment, Program, ProgramItem, ProgramSession

CLIENTS_PER_ACADEMY = 10
CHECK_INS_PER_CLIENT = 100
WEEKS = 32
DAYS = (1, 3, 5, 7)
ITEMS_PER_SESSION = 3
# Today falls in week 29 of 32: about 114 sessions are past, over 199 days.
DAYS_INTO_PROGRAM = 199
# A client misses one past session in SKIP_EVERY, so that adherence is not a flat 100 %.
SKIP_EVERY = 9
RATED = (("hip_flexors", "left"), ("hip_flexors", "right"))
CLIENT_TIMEZONE = "Europe/London"
# Seeding signs up a hundred coaches from one address, each adding its clients at once;
# the servers check tokens, never passwords.
SEEDING = {
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_KIB": 1024,
    "SIGNUP_RATE_LIMIT": "1000 per hour",
    "CLIENT_INVITES_FIRST_DAY_PER_HOUR": 1000,
}


@dataclass(frozen=True)
class Academy:
    """An academy as the API created it: its owner's token and its clients."""

    id: int
    coach_token: str
    client_ids: list[int]
    invitation_code: str  # the first client's


@dataclass(frozen=True)
class Template:
    """A template's rows as a copy repeats them: no ids, no owner, no timestamps."""

    program: dict
    sessions: list[tuple[dict, list[dict]]]  # each with its items


@dataclass(frozen=True)
class Session:
    """A session of a client's program, dated by their assignment."""

    id: int
    on: date
    item_ids: list[int]


@dataclass(frozen=True)
class Fixture:
    """What the benchmark needs to address the measured academy and its first client."""

    academy_id: int
    coach_token: str
    client_id: int
    client_token: str
    assignment_id: int
    last_session: Session  # the client's latest session before today
    check_ins: int  # in the whole database


def seed_academies(url: str, academies: int) -> Fixture:
    """Migrate ``url`` and fill it with ``academies`` academies, the first one measured."""
    today = datetime.now(ZoneInfo(CLIENT_TIMEZONE)).date()
    start = today - timedelta(days=DAYS_INTO_PROGRAM)
    with seed.migrated_app(url, **SEEDING) as app:
        http = app.test_client()
        measured, template_id, client_token = _measured_academy(http, start)
        others = [_academy(http, number) for number in range(1, academies)]
        with db.engine.begin() as connection:
            _copy_in_bulk(connection, _template(connection, template_id), others, start)
            sessions = _dated_sessions(connection)
            check_ins = _check_in_everyone(connection, sessions, today)
            # Written past the API: the clients' summaries are worked out as a restore's are.
            summaries.rebuild(connection)
    _vacuum(url)
    return _fixture(measured, client_token, sessions, today, check_ins)


# --- through the API ----------------------------------------------------------------------


def _measured_academy(http: FlaskClient, start: date) -> tuple[Academy, int, str]:
    """Academy 0, written first so that its ids are the same in every database: its
    template, every client's assignment, and the first client's account. Answers the
    academy, the template's id and that client's access token."""
    academy = _academy(http, 0)
    catalogue = seed.call(http, "GET", "/exercises?page_size=100", token=academy.coach_token)
    template = seed.call(
        http, "POST", "/programs", _program_document(catalogue), token=academy.coach_token
    )
    for client_id in academy.client_ids:
        seed.call(
            http,
            "POST",
            f"/clients/{client_id}/assignments",
            {"program_id": template["id"], "start_date": start.isoformat(), "notes": ""},
            token=academy.coach_token,
        )
    accepted = seed.call(
        http,
        "POST",
        "/auth/invitations/accept",
        {"code": academy.invitation_code, "password": seed.PASSWORD},
    )
    return academy, template["id"], accepted["access_token"]


def _academy(http: FlaskClient, number: int) -> Academy:
    """An owner signs up and adds CLIENTS_PER_ACADEMY clients (invited)."""
    signed_up = seed.call(
        http,
        "POST",
        "/auth/signup",
        {
            "academy_name": f"Bench Academy {number}",
            "name": f"Coach {number}",
            "email": f"coach{number}@bench.test",
            "password": seed.PASSWORD,
        },
    )
    token = signed_up["access_token"]
    clients = [
        seed.call(
            http,
            "POST",
            "/clients",
            {
                "name": f"Client {number}-{index}",
                "email": f"client{number}-{index}@bench.test",
                "timezone": CLIENT_TIMEZONE,
            },
            token=token,
        )
        for index in range(CLIENTS_PER_ACADEMY)
    ]
    return Academy(
        id=signed_up["user"]["academy"]["id"],
        coach_token=token,
        client_ids=[client["id"] for client in clients],
        invitation_code=clients[0]["invitation"]["code"],
    )


def _program_document(exercises: list[dict]) -> dict:
    """WEEKS weeks of sessions on DAYS, ITEMS_PER_SESSION items each, through the catalogue."""
    sessions = []
    for week in range(1, WEEKS + 1):
        for day in DAYS:
            first = len(sessions) * ITEMS_PER_SESSION
            picked = [exercises[(first + i) % len(exercises)] for i in range(ITEMS_PER_SESSION)]
            sessions.append(
                {
                    "week": week,
                    "day": day,
                    "title": f"Week {week}, day {day}",
                    "notes": "Position first, then breathing, then strength.",
                    "items": [seed.item(exercise) for exercise in picked],
                }
            )
    return {
        "name": "Marathon build",
        "description": "Thirty-two weeks of position, breathing and strength work.",
        "goal": "Run the spring marathon without the left hip flexor pinching.",
        "weeks": WEEKS,
        "sessions": sessions,
    }


# --- in bulk ------------------------------------------------------------------------------


def _template(connection: sa.Connection, template_id: int) -> Template:
    programs, sessions, items = Program.__table__, ProgramSession.__table__, ProgramItem.__table__
    program = connection.execute(sa.select(programs).where(programs.c.id == template_id)).one()
    session_items = defaultdict(list)
    for row in connection.execute(
        sa.select(items)
        .join(sessions, sessions.c.id == items.c.session_id)
        .where(sessions.c.program_id == template_id)
        .order_by(items.c.session_id, items.c.position)
    ):
        session_items[row.session_id].append(_columns(row, "id", "session_id"))
    return Template(
        program=_columns(program, "id", "academy_id", "created_at", "updated_at"),
        sessions=[
            (_columns(row, "id", "program_id", "created_at"), session_items[row.id])
            for row in connection.execute(
                sa.select(sessions)
                .where(sessions.c.program_id == template_id, sessions.c.retired_at.is_(None))
                .order_by(sessions.c.week, sessions.c.day)
            )
        ],
    )


def _copy_in_bulk(
    connection: sa.Connection, template: Template, academies: list[Academy], start: date
) -> None:
    """What the API writes for ``academies``: each academy's template (a copy of the
    measured one), then per client a client copy of it, assigned from ``start``."""
    if not academies:
        return
    template_ids = _copy_program(connection, template, [(a.id, None, None) for a in academies])
    owners = [
        (academy.id, client_id, template_id)
        for academy, template_id in _zip(academies, template_ids)
        for client_id in academy.client_ids
    ]
    program_ids = _copy_program(connection, template, owners)
    now = utcnow()
    _insert(
        connection,
        Assignment,
        [
            {
                "academy_id": academy_id,
                "client_id": client_id,
                "program_id": program_id,
                "template_id": template_id,
                "start_date": start,
                "status": "active",
                "notes": "",
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for (academy_id, client_id, template_id), program_id in _zip(owners, program_ids)
        ],
    )


def _copy_program(
    connection: sa.Connection, template: Template, owners: list[tuple[int, int | None, int | None]]
) -> list[int]:
    """One copy of ``template`` per (academy, client, source program) of ``owners``: a
    template when there is no client, else the client's copy of the source. Answers the
    new programs' ids."""
    now = utcnow()
    program_ids = _insert(
        connection,
        Program,
        [
            {
                **template.program,
                "academy_id": academy_id,
                "kind": "template" if client_id is None else "client",
                "client_id": client_id,
                "source_program_id": source_id,
                "created_at": now,
                "updated_at": now,
            }
            for academy_id, client_id, source_id in owners
        ],
    )
    copied = [(program_id, *pair) for program_id in program_ids for pair in template.sessions]
    session_ids = _insert(
        connection,
        ProgramSession,
        [
            {**session, "program_id": program_id, "created_at": now}
            for program_id, session, _ in copied
        ],
    )
    _insert(
        connection,
        ProgramItem,
        [
            {**item, "session_id": session_id}
            for (_, _, items), session_id in _zip(copied, session_ids)
            for item in items
        ],
    )
    return program_ids


def _dated_sessions(connection: sa.Connection) -> dict[int, tuple[sa.Row, list[Session]]]:
    """Every assignment, by id in order, with its program's sessions in date order."""
    assignments, sessions, items = (
        Assignment.__table__,
        ProgramSession.__table__,
        ProgramItem.__table__,
    )
    by_program = {
        row.program_id: row
        for row in connection.execute(sa.select(assignments).order_by(assignments.c.id))
    }
    item_ids = defaultdict(list)
    for session_id, item_id in connection.execute(
        sa.select(items.c.session_id, items.c.id).order_by(items.c.session_id, items.c.position)
    ):
        item_ids[session_id].append(item_id)
    dated = {assignment.id: (assignment, []) for assignment in by_program.values()}
    for row in connection.execute(
        sa.select(sessions)
        .where(sessions.c.program_id.in_(list(by_program)), sessions.c.retired_at.is_(None))
        .order_by(sessions.c.program_id, sessions.c.week, sessions.c.day)
    ):
        assignment = by_program[row.program_id]
        on = session_date(assignment.start_date, row.week, row.day)
        dated[assignment.id][1].append(Session(row.id, on, item_ids[row.id]))
    return dated


def _check_in_everyone(
    connection: sa.Connection, sessions: dict[int, tuple[sa.Row, list[Session]]], today: date
) -> int:
    """CHECK_INS_PER_CLIENT check-ins with results and ratings for every assignment, in
    the order of their ids: the measured academy's first, so their ids are the same in
    every database. Answers how many check-ins there are."""
    check_ins, results, ratings = [], [], []
    for assignment, dated in sessions.values():
        for index, session in enumerate(_attended(assignment.client_id, dated, today)):
            check_ins.append(_check_in(assignment, session, index))
            results.append([_result(item_id, p) for p, item_id in enumerate(session.item_ids)])
            ratings.append([_rating(assignment, session, index, p) for p in range(len(RATED))])
    ids = _insert(connection, CheckIn, check_ins)
    for model, children in ((CheckInResult, results), (CheckInRating, ratings)):
        rows = [{**row, "check_in_id": i} for i, rows in _zip(ids, children) for row in rows]
        _insert(connection, model, rows)
    return len(ids)


def _attended(client_id: int, sessions: list[Session], today: date) -> list[Session]:
    """The client's latest CHECK_INS_PER_CLIENT past sessions, missing one in SKIP_EVERY."""
    past = [session for session in sessions if session.on < today]
    kept = [session for i, session in enumerate(past) if (i + client_id) % SKIP_EVERY]
    if len(kept) < CHECK_INS_PER_CLIENT:
        raise RuntimeError(f"Only {len(kept)} past sessions to check in for client {client_id}.")
    return kept[-CHECK_INS_PER_CLIENT:]


def _check_in(assignment: sa.Row, session: Session, index: int) -> dict:
    """Plausible, varied values: a run and the session after it, most of them completed."""
    spread = index + assignment.client_id
    distance = 5.0 + spread % 10
    at = datetime.combine(session.on, time(18), UTC)
    return {
        "academy_id": assignment.academy_id,
        "client_id": assignment.client_id,
        "date": session.on,
        "assignment_id": assignment.id,
        "session_id": session.id,
        "completed": index % 12 != 0,
        "rpe": 4 + spread % 5,
        "duration_minutes": 30 + spread % 30,
        "sleep_hours": 6.5 + spread % 4 / 2,
        "stress": 1 + spread % 5,
        "energy": 1 + (spread + 2) % 5,
        "soreness": 1 + (spread + 4) % 5,
        "run_distance_km": distance,
        "run_duration_minutes": distance * 5.5,
        "cadence_spm": 165 + spread % 12,
        "notes": "",
        "version": 1,
        "created_at": at,
        "updated_at": at,
    }


def _result(item_id: int, position: int) -> dict:
    return {
        "position": position,
        "item_id": item_id,
        "completed": True,
        "sets_done": 3,
        "reps_done": 10,
        "side": None,
        "felt_in": [],
        "notes": "",
    }


def _rating(assignment: sa.Row, session: Session, index: int, position: int) -> dict:
    """Tightness and pain that vary by day and side, pain reaching 7 now and then."""
    region, side = RATED[position]
    spread = index + assignment.client_id + position
    return {
        "academy_id": assignment.academy_id,
        "client_id": assignment.client_id,
        "date": session.on,
        "position": position,
        "region": region,
        "side": side,
        "tightness": spread % 8,
        "pain": (3 * spread) % 8,
    }


def _fixture(
    academy: Academy,
    client_token: str,
    sessions: dict[int, tuple[sa.Row, list[Session]]],
    today: date,
    check_ins: int,
) -> Fixture:
    client_id = academy.client_ids[0]
    assignment, dated = next(pair for pair in sessions.values() if pair[0].client_id == client_id)
    return Fixture(
        academy_id=academy.id,
        coach_token=academy.coach_token,
        client_id=client_id,
        client_token=client_token,
        assignment_id=assignment.id,
        last_session=[session for session in dated if session.on < today][-1],
        check_ins=check_ins,
    )


def _insert(connection: sa.Connection, model, rows: list[dict]) -> list[int]:
    """Insert ``rows`` (with every NOT NULL column: no defaults apply) under ids drawn
    from the table's own sequence; answers the ids, in the order of ``rows``.

    PostgreSQL gets them by COPY: for the million rows of the large database, INSERTs
    through SQLAlchemy take a minute or more, COPY a few seconds.
    """
    table = model.__table__
    ids = _new_ids(connection, table, len(rows))
    rows = [{"id": row_id, **row} for row_id, row in _zip(ids, rows)]
    if connection.dialect.name == "postgresql":
        _copy_rows(connection, table, rows)
    elif rows:
        connection.execute(sa.insert(table), rows)
    return ids


def _new_ids(connection: sa.Connection, table: sa.Table, count: int) -> list[int]:
    """Taken from the sequence on PostgreSQL, so that the app's later INSERTs go on after
    them; on SQLite, the next rowids after the largest."""
    if connection.dialect.name == "postgresql":
        sequence = sa.func.pg_get_serial_sequence(table.name, "id")
        return list(
            connection.scalars(
                sa.select(sa.func.nextval(sequence)).select_from(sa.func.generate_series(1, count))
            )
        )
    largest = connection.scalar(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0)))
    return list(range(largest + 1, largest + 1 + count))


def _copy_rows(connection: sa.Connection, table: sa.Table, rows: list[dict]) -> None:
    """COPY ``rows`` into ``table``, in the connection's transaction. JSON columns go in
    as JSON text, which COPY would otherwise write as PostgreSQL arrays."""
    if not rows:
        return
    names = list(rows[0])
    as_json = {c.name for c in table.columns if isinstance(c.type, sa.JSON)}
    quote = connection.dialect.identifier_preparer.quote
    command = f"COPY {quote(table.name)} ({', '.join(map(quote, names))}) FROM STDIN"
    with connection.connection.dbapi_connection.cursor() as cursor, cursor.copy(command) as copy:
        for row in rows:
            copy.write_row([json.dumps(row[n]) if n in as_json else row[n] for n in names])


def _columns(row: sa.Row, *left_out: str) -> dict:
    return {key: value for key, value in row._mapping.items() if key not in left_out}


def _zip(first: Iterable, second: Iterable) -> Iterator[tuple]:
    return zip(first, second, strict=True)


def _vacuum(url: str) -> None:
    """PostgreSQL: VACUUM ANALYZE, so that the planner knows the new sizes and the
    benchmark does not run into autovacuum working through a million fresh rows; SQLite:
    ANALYZE, as after any bulk load."""
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                connection.exec_driver_sql("VACUUM ANALYZE")
            else:
                connection.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()
