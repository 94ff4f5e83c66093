"""The floor for ``POST /me/check-ins``: about the least work that stores the same rows.

One transaction of hand-written INSERTs writes what the app writes for a new check-in
sent with an ``Idempotency-Key``: the check-in, its results, its ratings, the key with
the answer to replay, and the audit row. Then a small JSON answer. No authentication,
no schemas, no ORM, no validating look-ups, no request hooks: the ratio of the app's
requests per second to the floor's says what all of that costs. The academy and the
client come in the path, since no token names them.

checkins.py checks, before loading, that the app reads a check-in stored here exactly
as one it stored itself. Start it with ``DATABASE_URL`` set to a SQLAlchemy URL.
"""

import hashlib
import json
import os
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask import Flask, Response, request

CHECK_IN_COLUMNS = (
    "academy_id", "client_id", "date", "assignment_id", "session_id", "completed", "rpe",
    "duration_minutes", "sleep_hours", "stress", "energy", "soreness", "run_distance_km",
    "run_duration_minutes", "cadence_spm", "notes",
)  # fmt: skip
WELLNESS = ("sleep_hours", "stress", "energy", "soreness")
RUN = {"distance_km": "run_distance_km", "duration_minutes": "run_duration_minutes",
       "cadence_spm": "cadence_spm"}  # fmt: skip


def _typed(name: str, type_: sa.types.TypeEngine) -> sa.BindParameter:
    """A parameter that SQLAlchemy converts as the app's columns do (dates and JSON on
    SQLite, for one)."""
    return sa.bindparam(name, type_=type_)


def _now() -> sa.BindParameter:
    return _typed("now", sa.DateTime(timezone=True))


INSERT_CHECK_IN = sa.text(
    f"""
    INSERT INTO check_ins ({", ".join(CHECK_IN_COLUMNS)}, version, created_at, updated_at)
    VALUES ({", ".join(f":{c}" for c in CHECK_IN_COLUMNS)}, 1, :now, :now)
    RETURNING id
    """
).bindparams(_typed("date", sa.Date()), _now())
INSERT_RESULT = sa.text(
    """
    INSERT INTO check_in_results (check_in_id, position, item_id, completed, sets_done,
                                  reps_done, side, felt_in, notes)
    VALUES (:check_in_id, :position, :item_id, :completed, :sets_done, :reps_done, :side,
            :felt_in, :notes)
    """
).bindparams(_typed("felt_in", sa.JSON()))
INSERT_RATING = sa.text(
    """
    INSERT INTO check_in_ratings (check_in_id, academy_id, client_id, date, position, region,
                                  side, tightness, pain)
    VALUES (:check_in_id, :academy_id, :client_id, :date, :position, :region, :side,
            :tightness, :pain)
    """
).bindparams(_typed("date", sa.Date()))
INSERT_KEY = sa.text(
    """
    INSERT INTO idempotency_keys (user_id, key, request_hash, response_status, response_body,
                                  created_at)
    VALUES (:user_id, :key, :request_hash, 201, :response_body, :now)
    """
).bindparams(_now())
INSERT_AUDIT = sa.text(
    """
    INSERT INTO audit_entries (academy_id, actor_id, actor_role, action, resource,
                               resource_id, fields, at)
    VALUES (:academy_id, :client_id, 'client', 'create', 'check_in', :check_in_id, :fields,
            :now)
    """
).bindparams(_typed("fields", sa.JSON()), _now())

engine = sa.create_engine(os.environ["DATABASE_URL"])
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
    owner = {"academy_id": academy_id, "client_id": client_id}
    on, now = date.fromisoformat(body["date"]), datetime.now(UTC)
    results = [_result(result, i) for i, result in enumerate(body.get("results", []))]
    ratings = [{**_rating(r, i), **owner, "date": on} for i, r in enumerate(body["ratings"])]
    with engine.begin() as connection:
        values = {**_check_in_values(body), **owner, "date": on, "now": now}
        check_in_id = connection.execute(INSERT_CHECK_IN, values).scalar_one()
        parent = {"check_in_id": check_in_id}
        if results:
            connection.execute(INSERT_RESULT, [{**row, **parent} for row in results])
        connection.execute(INSERT_RATING, [{**row, **parent} for row in ratings])
        answer = json.dumps({"id": check_in_id}, separators=(",", ":"))
        key = {
            "user_id": client_id,
            "key": request.headers["Idempotency-Key"],
            "request_hash": hashlib.sha256(raw).hexdigest(),
            "response_body": answer,
            "now": now,
        }
        connection.execute(INSERT_KEY, key)
        fields = _audited_fields(body)
        connection.execute(INSERT_AUDIT, {**owner, **parent, "fields": fields, "now": now})
    return Response(answer, status=201, mimetype="application/json")


def _audited_fields(body: dict) -> list[str]:
    """What the app's audit row names for a created check-in: the fields given."""
    given = {RUN.get(k, k) for k in body.get("run") or {}} | set(body.get("wellness") or {})
    given |= {k for k in body if k in CHECK_IN_COLUMNS or k in ("results", "ratings")}
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


def _result(result: dict, position: int) -> dict:
    return {
        "position": position,
        "item_id": result["item_id"],
        "completed": result.get("completed", True),
        "sets_done": result.get("sets_done"),
        "reps_done": result.get("reps_done"),
        "side": result.get("side"),
        "felt_in": result.get("felt_in", []),
        "notes": result.get("notes", ""),
    }


def _rating(rating: dict, position: int) -> dict:
    return {
        "position": position,
        "region": rating["region"],
        "side": rating["side"],
        "tightness": rating.get("tightness"),
        "pain": rating.get("pain"),
    }
