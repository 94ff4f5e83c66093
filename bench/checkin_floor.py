"""The floor for ``POST /me/check-ins``: about the least work that stores the same rows.

One transaction of hand-written SQL writes what the app writes for a new check-in sent
with an ``Idempotency-Key``, row for row, statement for statement:

1. PostgreSQL: ``pg_advisory_xact_lock`` on the key (the app's lock id), so a retry
   waits for this request; SQLite: an ``flock`` on the same lock file as the app's
   (``<database>.keys/NN``), taken blocking rather than polled;
2. the check-in (``INSERT ... RETURNING id``);
3. its ratings, in one INSERT of as many rows;
4. the audit row, naming the fields given;
5. the key, with the request's fingerprint as the app takes it (the SHA-256 of the body
   as canonical JSON), the answer's status, body and headers (``ETag``, ``Location``
   as the app's, ``Content-Type``): the app replays it byte for byte;
6. the client's summary (``client_summaries``), worked out as the app's
   ``academy.checkins.summaries.refresh`` does: on PostgreSQL the client row locked
   ``FOR NO KEY UPDATE`` on its own (the foreign-key checks' ``KEY SHARE`` locks of the
   inserts above do not conflict with it, so two check-ins of one client queue rather
   than deadlock), then five reads of hand-written SQL (the client's timezone, latest
   check-in date and whether it has an assessment; the load of each day; each day's
   worst pain rating by region and side; the sessions checked in as completed; the
   sessions of the counted assignments), the project's pure ``summaries.summarise``
   over them, and one upsert.

Then the answer: the check-in as the app answers it (``orjson``), with those headers.
No authentication, no schemas, no ORM, no validating look-ups (the app reads the
assignment and the named session before writing), no request hooks: the ratio of the
app's requests per second to the floor's says what all of that costs. The academy and
the client come in the path, since no token names them. It takes the benchmark's kind
of check-in: no results and no session (422 otherwise), since both make the answer
repeat what was prescribed, which only a read can tell.

checkins.py checks, before loading, that the app reads a check-in stored here exactly
as one it stored itself, replays the key stored here as the answer it gives itself,
and works out the summary written here alike. Start it with ``DATABASE_URL`` set to a
SQLAlchemy URL.
"""

import fcntl
import hashlib
import json
import os
from datetime import UTC, date, datetime, timedelta
from functools import cache
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import orjson
import sqlalchemy as sa
from flask import Flask, Response, request

from academy import database
from academy.checkins import summaries

CHECK_IN_COLUMNS = (
    "academy_id", "client_id", "date", "assignment_id", "session_id", "completed", "rpe",
    "duration_minutes", "sleep_hours", "stress", "energy", "soreness", "run_distance_km",
    "run_duration_minutes", "cadence_spm", "notes",
)  # fmt: skip
RATING_COLUMNS = (
    "check_in_id", "academy_id", "client_id", "date", "position", "region", "side",
    "tightness", "pain",
)  # fmt: skip
WELLNESS = ("sleep_hours", "stress", "energy", "soreness")
RUN = {"distance_km": "run_distance_km", "duration_minutes": "run_duration_minutes",
       "cadence_spm": "cadence_spm"}  # fmt: skip
SCALARS = ("date", "completed", "rpe", "duration_minutes", "notes", "assignment_id", "session_id")
# What the summary reads before its first day (the app's windows, kept in its module).
CHECK_INS_BEFORE = timedelta(days=summaries._CHECK_INS_BEFORE)
SESSIONS_BEFORE = timedelta(days=summaries._SESSIONS_BEFORE)
# SQLite: keys share this many lock files beside the database, as the app's do.
LOCK_FILES = 64
CROSS_TRAINING_RPE = 5


def _typed(name: str, type_: sa.types.TypeEngine) -> sa.BindParameter:
    """A parameter that SQLAlchemy converts as the app's columns do (dates and JSON on
    SQLite, for one)."""
    return sa.bindparam(name, type_=type_)


def _now() -> sa.BindParameter:
    return _typed("now", sa.DateTime(timezone=True))


ADVISORY_LOCK = sa.text("SELECT pg_advisory_xact_lock(:id)")
INSERT_CHECK_IN = sa.text(
    f"""
    INSERT INTO check_ins ({", ".join(CHECK_IN_COLUMNS)}, version, created_at, updated_at)
    VALUES ({", ".join(f":{c}" for c in CHECK_IN_COLUMNS)}, 1, :now, :now)
    RETURNING id
    """
).bindparams(_typed("date", sa.Date()), _now())


@cache
def _insert_ratings(count: int) -> sa.TextClause:
    """One INSERT of ``count`` ratings."""
    rows = ", ".join(
        "(" + ", ".join(f":{column}_{n}" for column in RATING_COLUMNS) + ")" for n in range(count)
    )
    return sa.text(
        f"INSERT INTO check_in_ratings ({', '.join(RATING_COLUMNS)}) VALUES {rows}"
    ).bindparams(*(_typed(f"date_{n}", sa.Date()) for n in range(count)))


INSERT_AUDIT = sa.text(
    """
    INSERT INTO audit_entries (academy_id, actor_id, actor_role, action, resource,
                               resource_id, fields, at)
    VALUES (:academy_id, :client_id, 'client', 'create', 'check_in', :check_in_id, :fields,
            :now)
    """
).bindparams(_typed("fields", sa.JSON()), _now())
INSERT_KEY = sa.text(
    """
    INSERT INTO idempotency_keys (user_id, key, request_hash, response_status, response_body,
                                  response_headers, created_at)
    VALUES (:user_id, :key, :request_hash, 201, :response_body, :response_headers, :now)
    """
).bindparams(_now())

# --- the summary's reads (academy/checkins/summaries.py, ``compute``) ----------------------

SUMMARY_CLIENT = """
    SELECT u.timezone,
           (SELECT max(ci.date) FROM check_ins ci WHERE ci.client_id = c.id) AS last,
           EXISTS (SELECT 1 FROM assessments a
                   WHERE a.client_id = c.id AND a.archived_at IS NULL) AS assessed
    FROM clients c JOIN users u ON u.id = c.id
    WHERE c.id = :client_id
"""
# A check-in that a cross-training activity records is cross-training.
CROSSED = (
    "EXISTS (SELECT 1 FROM activities a WHERE a.check_in_id = ci.id AND a.kind = 'cross_training')"
)
MINUTES = "coalesce(ci.duration_minutes, ci.run_duration_minutes)"
SUMMARY_DAILY = (
    sa.text(
        f"""
    SELECT ci.date AS date,
           coalesce(sum(CASE WHEN {CROSSED} THEN NULL ELSE ci.rpe * {MINUTES} END), 0),
           coalesce(sum(ci.run_distance_km), 0),
           coalesce(sum(CASE WHEN {CROSSED} THEN NULL ELSE {MINUTES} END), 0),
           coalesce(sum(CASE WHEN {CROSSED}
                        THEN coalesce(ci.rpe, {CROSS_TRAINING_RPE}) * {MINUTES} END), 0),
           coalesce(sum(CASE WHEN {CROSSED} THEN {MINUTES} END), 0)
    FROM check_ins ci
    WHERE ci.client_id = :client_id AND ci.date >= :since
    GROUP BY ci.date
    """
    )
    .bindparams(_typed("since", sa.Date()))
    .columns(date=sa.Date)
)
# A day's worst rating of each region and side (academy/checkins/pain.py).
SUMMARY_PAIN = (
    sa.text(
        """
    SELECT r.region, r.side, max(r.pain), r.date AS date
    FROM check_in_ratings r
    WHERE r.client_id = :client_id AND r.date >= :since AND r.pain IS NOT NULL
    GROUP BY r.date, r.region, r.side
    """
    )
    .bindparams(_typed("since", sa.Date()))
    .columns(date=sa.Date)
)
SUMMARY_DONE = sa.text(
    """
    SELECT DISTINCT ci.assignment_id, s.week, s.day
    FROM check_ins ci JOIN program_sessions s ON s.id = ci.session_id
    WHERE ci.client_id = :client_id AND ci.date >= :since AND ci.completed
    """
).bindparams(_typed("since", sa.Date()))
SUMMARY_SESSIONS = """
    SELECT {scheduled} AS scheduled, a.id, s.week, s.day, a.status
    FROM assignments a JOIN program_sessions s ON s.program_id = a.program_id
    WHERE a.client_id = :client_id AND a.status IN ('active', 'completed')
      AND s.retired_at IS NULL AND {scheduled} >= :since
"""
# A session's date, as academy/programs/dates.py writes it in each dialect's SQL.
SCHEDULED = {
    "postgresql": "(a.start_date + (7 * (s.week - 1) + (s.day - 1)))",
    "sqlite": "date(a.start_date, (7 * (s.week - 1) + (s.day - 1)) || ' days')",
}
UPSERT_SUMMARY = sa.text(
    """
    INSERT INTO client_summaries (client_id, last_check_in, since, attention, compliance_7d)
    VALUES (:client_id, :last_check_in, :since, :attention, :compliance_7d)
    ON CONFLICT (client_id) DO UPDATE SET last_check_in = excluded.last_check_in,
        since = excluded.since, attention = excluded.attention,
        compliance_7d = excluded.compliance_7d
    """
).bindparams(_typed("last_check_in", sa.Date()), _typed("since", sa.Date()))

engine = sa.create_engine(os.environ["DATABASE_URL"])
POSTGRESQL = engine.dialect.name == "postgresql"
if not POSTGRESQL:
    # Writers queue for the database's writer lock, as the app's do.
    database.queue_writers(engine, 10)
# The client row locked on its own first (PostgreSQL), as the app does.
SUMMARY_LOCK = sa.text("SELECT id FROM clients WHERE id = :client_id FOR NO KEY UPDATE")
summary_client = sa.text(SUMMARY_CLIENT).columns(last=sa.Date)
summary_sessions = (
    sa.text(SUMMARY_SESSIONS.format(scheduled=SCHEDULED[engine.dialect.name]))
    .bindparams(_typed("since", sa.Date()))
    .columns(scheduled=sa.Date)
)
app = Flask(__name__)


@sa.event.listens_for(engine, "connect")
def _as_the_app_does(dbapi_connection, _record) -> None:
    """On SQLite, the connection settings of academy/database.py: without the busy
    timeout two workers' writes would fail, and without the rest they would cost more
    or less than the app's."""
    if engine.dialect.name != "sqlite":
        return
    cursor = dbapi_connection.cursor()
    for pragma in ("foreign_keys = ON", "journal_mode = WAL", "busy_timeout = 10000",
                   "synchronous = NORMAL"):  # fmt: skip
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


@app.get("/healthz")
def healthz() -> str:
    return "ok"


@app.post("/academies/<int:academy_id>/clients/<int:client_id>/check-ins")
def create_check_in(academy_id: int, client_id: int) -> Response:
    raw = request.get_data()
    body = json.loads(raw)
    if body.get("results") or body.get("session_id") is not None:
        return Response(b'{"detail":"no results or session here"}', status=422)
    key = request.headers["Idempotency-Key"]
    fingerprint = hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()
    owner = {"academy_id": academy_id, "client_id": client_id}
    on, now = date.fromisoformat(body["date"]), datetime.now(UTC)
    values = {**_check_in_values(body), **owner, "date": on}
    ratings = [_rating(r, n) for n, r in enumerate(body.get("ratings", []))]
    lock_id = int.from_bytes(
        hashlib.sha256(f"{client_id}:{key}".encode()).digest()[:8], "big", signed=True
    )
    descriptor = None if POSTGRESQL else _flock(lock_id)
    try:
        with engine.begin() as connection:
            if POSTGRESQL:
                connection.execute(ADVISORY_LOCK, {"id": lock_id})
            check_in_id = connection.execute(INSERT_CHECK_IN, {**values, "now": now}).scalar_one()
            if ratings:
                parameters = {
                    f"{column}_{n}": value
                    for n, rating in enumerate(ratings)
                    for column, value in {
                        **rating, **owner, "check_in_id": check_in_id, "date": on
                    }.items()
                }  # fmt: skip
                connection.execute(_insert_ratings(len(ratings)), parameters)
            audit = {**owner, "check_in_id": check_in_id, "fields": _audited_fields(body)}
            connection.execute(INSERT_AUDIT, {**audit, "now": now})
            answer = orjson.dumps(_answer(check_in_id, values, ratings, now))
            headers = [
                ["ETag", '"1"'],
                ["Location", f"/api/v1/me/check-ins/{check_in_id}"],
                ["Content-Type", "application/json"],
            ]
            stored = {
                "user_id": client_id,
                "key": key,
                "request_hash": fingerprint,
                "response_body": answer.decode(),
                "response_headers": json.dumps(headers),
                "now": now,
            }
            connection.execute(INSERT_KEY, stored)
            _refresh_summary(connection, client_id)
    finally:
        if descriptor is not None:
            os.close(descriptor)
    return Response(answer, status=201, headers=[tuple(h) for h in headers[:2]],
                    mimetype="application/json")  # fmt: skip


def _flock(lock_id: int) -> int:
    """SQLite: hold the key's lock file (the app's) until the request ends."""
    folder = f"{engine.url.database}.keys"
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{lock_id % LOCK_FILES:02d}")
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    return descriptor


def _refresh_summary(connection: sa.Connection, client_id: int) -> None:
    """The client's summary row, worked out again from what is now stored."""
    if POSTGRESQL:
        connection.execute(SUMMARY_LOCK, {"client_id": client_id})
    timezone, last, assessed = connection.execute(summary_client, {"client_id": client_id}).one()
    today = datetime.now(ZoneInfo(timezone)).date()
    first = today - timedelta(days=summaries.DAYS_BEFORE)
    client = SimpleNamespace(
        today=today, last=last, assessed=bool(assessed), daily=[], ratings=[], done=set(),
        sessions=[],
    )  # fmt: skip
    reads = {"client_id": client_id, "since": first - CHECK_INS_BEFORE}
    client.daily = [tuple(row) for row in connection.execute(SUMMARY_DAILY, reads)]
    client.ratings = [tuple(row) for row in connection.execute(SUMMARY_PAIN, reads)]
    client.done = {tuple(row) for row in connection.execute(SUMMARY_DONE, reads)}
    sessions = {"client_id": client_id, "since": first - SESSIONS_BEFORE}
    for scheduled, assignment_id, week, day, status in connection.execute(
        summary_sessions, sessions
    ):
        client.sessions.append((scheduled, (assignment_id, week, day), status == "active"))
    connection.execute(UPSERT_SUMMARY, {"client_id": client_id, **summaries.summarise(client)})


def _answer(check_in_id: int, values: dict, ratings: list[dict], now: datetime) -> dict:
    """The check-in as the app answers it (no results, no session)."""
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "id": check_in_id,
        "client_id": values["client_id"],
        "date": values["date"].isoformat(),
        "assignment_id": values["assignment_id"],
        "session_id": None,
        "session": None,
        "completed": values["completed"],
        "rpe": values["rpe"],
        "duration_minutes": values["duration_minutes"],
        "results": [],
        "ratings": [
            {key: rating[key] for key in ("region", "side", "tightness", "pain")}
            for rating in ratings
        ],
        "wellness": {field: values[field] for field in WELLNESS},
        "run": {field: values[column] for field, column in RUN.items()},
        "notes": values["notes"],
        "media": [],
        "created_at": stamp,
        "updated_at": stamp,
    }


def _audited_fields(body: dict) -> list[str]:
    """What the app's audit row names for a created check-in: the fields given."""
    given = {k for k in SCALARS if k in body}
    if "wellness" in body:
        given |= set(WELLNESS)
    if "run" in body:
        given |= set(RUN.values())
    given |= {k for k in ("results", "ratings") if k in body}
    return sorted(given | {"academy_id", "client_id"})


def _check_in_values(body: dict) -> dict:
    wellness, run = body.get("wellness") or {}, body.get("run") or {}
    return {
        "assignment_id": body.get("assignment_id"),
        "session_id": body.get("session_id"),
        "completed": body.get("completed", True),
        "rpe": body.get("rpe"),
        "duration_minutes": body.get("duration_minutes"),
        "notes": body.get("notes", ""),
        **{column: wellness.get(column) for column in WELLNESS},
        **{column: run.get(field) for field, column in RUN.items()},
    }


def _rating(rating: dict, position: int) -> dict:
    return {
        "position": position,
        "region": rating["region"],
        "side": rating["side"],
        "tightness": rating.get("tightness"),
        "pain": rating.get("pain"),
    }
