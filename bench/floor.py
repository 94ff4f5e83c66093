"""The floor: about the least work that serves the same JSON from the same rows.

Hand-written SQL, rows grouped in a loop (each distinct JSON text decoded once per
request; the app keeps what it decoded, and each exercise's ``Work``, for the process),
then ``orjson.dumps``, the app's own serializer for these reads: no
authentication, no tenancy, no schemas, no ORM, no request hooks (SQLAlchemy only lends
its connection pool, as the app has one). It runs under the same gunicorn settings as
the real app, so the ratio of a real read to it says what everything else in the
request costs.

``/programs/{id}`` serves the sessions of ``GET /api/v1/programs/{id}``, key for key, in
one statement over program_sessions, program_items and exercises.

``/assignments/{id}/for-client`` serves the whole body of ``GET
/api/v1/me/assignments/{id}``, key for key: the assignment, each session dated with its
status, each item with how to do its exercise and what the client's safety rules hold
back (``held``). It reads what the app reads, in as many statements:

1. the assignment with its program's name and weeks and its client's timezone (the app
   has the timezone from the caller's token);
2. the sessions in force with their items, each item's exercise with its cues, video and
   what the safety rules read of it (stage, impact, loads, spine, pressure, precautions:
   the app reads these in a statement of their own when the rules hold anything);
3. the sessions checked in as completed;
and, when a session with items is still ahead,
4. the client's latest assessment;
5. the pain ratings of the client's check-ins of the last two weeks.

Sessions dated today or later get each item's ``held`` from the project's own rules,
pure functions over these values (``academy.assessments.method.derive`` for the
findings, ``safety.picture_of``, ``safety.Guard``, ``safety.Work``), asked once per
exercise or type of run (the answer depends on nothing else); earlier ones ``held:
null``. run.py checks that both answer the same before loading. Start it with
``DATABASE_URL`` set to a SQLAlchemy URL.
"""

import os
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import orjson
import sqlalchemy as sa
from flask import Flask, Response, abort

from academy.assessments import method, safety

SESSION_KEYS = ("id", "week", "day", "title", "notes")
ITEM_KEYS = (
    "id", "kind", "exercise_id", "exercise_name", "run", "planned_distance_m",
    "planned_duration_seconds", "stage", "group", "sets", "reps", "hold_seconds", "breaths",
    "duration_seconds", "distance_m", "load", "tempo", "rest_seconds", "side", "notes",
)  # fmt: skip
CLIENT_ITEM_KEYS = (*ITEM_KEYS, "exercise_cues", "exercise_video_url")
# What the safety rules read of an exercise, after the client item's columns.
TYPING_KEYS = ("stage", "impact", "loads", "spine", "pressure", "precautions")
# Item columns stored as JSON text, by key: decoded once per distinct text.
JSON_KEYS = ("run", "exercise_cues")
ITEM_COLUMNS = (
    "i.id, i.kind, i.exercise_id, e.name, CAST(i.run AS TEXT), i.planned_distance_m, "
    'i.planned_duration_seconds, i.stage, i."group", i.sets, i.reps, i.hold_seconds, '
    "i.breaths, i.duration_seconds, i.distance_m, i.load, i.tempo, i.rest_seconds, i.side, "
    "i.notes"
)
# Where a client row holds its item's exercise id.
EXERCISE_ID = 5 + CLIENT_ITEM_KEYS.index("exercise_id")
CLIENT_ITEM_COLUMNS = f"{ITEM_COLUMNS}, CAST(e.cues AS TEXT), e.video_url"
TYPING_COLUMNS = (
    "e.stage, e.impact, CAST(e.loads AS TEXT), e.spine, e.pressure, CAST(e.precautions AS TEXT)"
)


def _program_query(item_columns: str) -> sa.TextClause:
    return sa.text(
        f"""
        SELECT s.id, s.week, s.day, s.title, s.notes, {item_columns}
        FROM program_sessions s
        LEFT JOIN program_items i ON i.session_id = s.id
        LEFT JOIN exercises e ON e.id = i.exercise_id
        WHERE s.program_id = :program_id AND s.retired_at IS NULL
        ORDER BY s.week, s.day, i.position
        """
    )


PROGRAM_QUERY = _program_query(ITEM_COLUMNS)
CLIENT_QUERY = _program_query(f"{CLIENT_ITEM_COLUMNS}, {TYPING_COLUMNS}")
ASSIGNMENT_QUERY = sa.text(
    """
    SELECT a.id, a.start_date, a.status, a.notes, a.program_id, p.name, p.weeks,
           a.client_id, u.timezone
    FROM assignments a
    JOIN programs p ON p.id = a.program_id
    JOIN users u ON u.id = a.client_id
    WHERE a.id = :assignment_id
    """
).columns(start_date=sa.Date)
DONE_QUERY = sa.text(
    """
    SELECT DISTINCT s.week, s.day
    FROM check_ins c JOIN program_sessions s ON s.id = c.session_id
    WHERE c.assignment_id = :assignment_id AND c.completed
    """
)
# What method.derive and safety.picture_of read of an assessment; JSON columns by key.
ASSESSMENT_JSON = ("findings", "tightness", "pain", "symptoms", "injuries")
ASSESSMENT_QUERY = sa.text(
    """
    SELECT assessed_on, tilt_left_direction, tilt_left_grade, tilt_right_direction,
           tilt_right_grade, rib_flare, breathing_pattern, glute_gripping,
           CAST(findings AS TEXT) AS findings, CAST(tightness AS TEXT) AS tightness,
           CAST(pain AS TEXT) AS pain, CAST(symptoms AS TEXT) AS symptoms,
           CAST(injuries AS TEXT) AS injuries, gait_cadence_spm, gait_overstride,
           gait_hip_drop
    FROM assessments
    WHERE client_id = :client_id AND archived_at IS NULL
    ORDER BY assessed_on DESC, id DESC
    LIMIT 1
    """
).columns(assessed_on=sa.Date)
RATINGS_QUERY = sa.text(
    """
    SELECT region, side, pain, date
    FROM check_in_ratings
    WHERE client_id = :client_id AND date >= :since AND pain IS NOT NULL
    """
).columns(date=sa.Date)

engine = sa.create_engine(os.environ["DATABASE_URL"])
app = Flask(__name__)


@app.get("/healthz")
def healthz() -> str:
    return "ok"


@app.get("/programs/<int:program_id>")
def program(program_id: int) -> Response:
    with engine.connect() as connection:
        rows = connection.execute(PROGRAM_QUERY, {"program_id": program_id}).all()
    sessions = _sessions(rows, ITEM_KEYS)
    return _json({"program_id": program_id, "sessions": sessions})


@app.get("/assignments/<int:assignment_id>/for-client")
def assignment_for_client(assignment_id: int) -> Response:
    with engine.connect() as connection:
        assignment = connection.execute(ASSIGNMENT_QUERY, {"assignment_id": assignment_id}).first()
        if assignment is None:
            abort(404)
        start, weeks = assignment.start_date, assignment.weeks
        today = datetime.now(ZoneInfo(assignment.timezone)).date()
        rows = connection.execute(CLIENT_QUERY, {"program_id": assignment.program_id}).all()
        sessions = _sessions(rows, CLIENT_ITEM_KEYS)
        done = set(connection.execute(DONE_QUERY, {"assignment_id": assignment_id}).tuples())
        for session in sessions:
            on = start + timedelta(days=7 * (session["week"] - 1) + session["day"] - 1)
            is_done = (session["week"], session["day"]) in done
            session["date"] = on
            session["status"] = _status(on, today, is_done)
        ahead = [s for s in sessions if s["date"] >= today and s["items"]]
        guard = _guard(connection, assignment.client_id, today) if ahead else None
    typing = {row[EXERCISE_ID]: row for row in rows if row[EXERCISE_ID] is not None}
    for session in sessions:
        for item in session["items"]:
            item["held"] = None
    if guard is not None and not guard.clear:
        # What the rules say of a piece of work, once per exercise or type of run.
        held_of: dict = {}
        for session in ahead:
            for item in session["items"]:
                run = item["kind"] == "run"
                key = ("run", (item["run"] or {}).get("type")) if run else item["exercise_id"]
                if key not in held_of:
                    work = _work(item, typing.get(item["exercise_id"]))
                    held = guard.hold(work) if work is not None else None
                    held_of[key] = held.as_dict() if held else None
                item["held"] = held_of[key]
    return _json(
        {
            "id": assignment.id,
            "start_date": start,
            "end_date": start + timedelta(days=7 * (weeks - 1) + 6),
            "status": assignment.status,
            "notes": assignment.notes,
            "today": today,
            "program": {"id": assignment.program_id, "name": assignment.name, "weeks": weeks},
            "sessions": sessions,
        }
    )


def _sessions(rows, item_keys: tuple[str, ...]) -> list[dict]:
    """Rows grouped into sessions, each item with the fields of ``item_keys`` (columns
    after them are left out)."""
    decoded = [item_keys.index(key) for key in JSON_KEYS if key in item_keys]
    end = 5 + len(item_keys)
    texts: dict = {}
    sessions: list[dict] = []
    for row in rows:
        if not sessions or sessions[-1]["id"] != row[0]:
            sessions.append({**dict(zip(SESSION_KEYS, row[:5], strict=True)), "items": []})
        if row[5] is not None:
            values = list(row[5:end])
            for index in decoded:
                text = values[index]
                if text not in texts:
                    texts[text] = None if text is None else orjson.loads(text)
                values[index] = texts[text]
            sessions[-1]["items"].append(dict(zip(item_keys, values, strict=True)))
    return sessions


def _status(on: date, today: date, done: bool) -> str:
    if done:
        return "done"
    if on == today:
        return "today"
    return "missed" if on < today else "upcoming"


def _guard(connection: sa.Connection, client_id: int, today: date) -> safety.Guard:
    """The rules read from the client's latest assessment and recent check-in pain."""
    row = connection.execute(ASSESSMENT_QUERY, {"client_id": client_id}).mappings().first()
    assessment = None
    if row is not None:
        values = dict(row)
        for key in ASSESSMENT_JSON:
            values[key] = orjson.loads(values[key]) if values[key] is not None else None
        assessment = SimpleNamespace(**values)
    since = today - timedelta(days=safety.CHECK_IN_DAYS)
    ratings = connection.execute(RATINGS_QUERY, {"client_id": client_id, "since": since}).all()
    findings = method.derive(assessment).findings if assessment is not None else ()
    return safety.Guard(safety.picture_of(assessment, today, findings, ratings))


def _work(item: dict, row) -> safety.Work | None:
    """What an item asks of the body: its run, or its exercise."""
    if item["kind"] == "run":
        return safety.Work.of_run((item["run"] or {}).get("type"))
    if row is None:
        return None
    stage, impact, loads, spine, pressure, precautions = row[5 + len(CLIENT_ITEM_KEYS) :]
    return safety.Work.of_exercise(
        SimpleNamespace(
            name=item["exercise_name"],
            stage=stage,
            impact=impact,
            loads=orjson.loads(loads) if loads is not None else None,
            spine=spine,
            pressure=pressure,
            precautions=orjson.loads(precautions) if precautions is not None else None,
        )
    )


def _json(body: dict) -> Response:
    return Response(orjson.dumps(body), mimetype="application/json")
