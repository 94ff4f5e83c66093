"""The floor: about the least work that serves a program's JSON from the same rows.

One hand-written SQL query over program_sessions, program_items and exercises, rows
grouped in a loop, then ``json.dumps``: no authentication, no tenancy, no schemas, no
ORM, no request hooks (SQLAlchemy only lends its connection pool, as the app has one).
It runs under the same gunicorn settings as the real app, so the ratio of a real read
to it says what everything else in the request costs.

Its sessions are those of ``GET /api/v1/programs/{id}``, key for key (run.py checks
it before loading). Start it with ``DATABASE_URL`` set to a SQLAlchemy URL.
"""

import json
import os

import sqlalchemy as sa
from flask import Flask, Response

PROGRAM_QUERY = sa.text(
    """
    SELECT s.id, s.week, s.day, s.title, s.notes,
           i.id, i.exercise_id, e.name, i.stage, i."group", i.sets, i.reps,
           i.hold_seconds, i.breaths, i.duration_seconds, i.distance_m, i.load, i.tempo,
           i.rest_seconds, i.side, i.notes
    FROM program_sessions s
    LEFT JOIN program_items i ON i.session_id = s.id
    LEFT JOIN exercises e ON e.id = i.exercise_id
    WHERE s.program_id = :program_id AND s.retired_at IS NULL
    ORDER BY s.week, s.day, i.position
    """
)
SESSION_KEYS = ("id", "week", "day", "title", "notes")
ITEM_KEYS = (
    "id", "exercise_id", "exercise_name", "stage", "group", "sets", "reps", "hold_seconds",
    "breaths", "duration_seconds", "distance_m", "load", "tempo", "rest_seconds", "side", "notes",
)  # fmt: skip

engine = sa.create_engine(os.environ["DATABASE_URL"])
app = Flask(__name__)


@app.get("/healthz")
def healthz() -> str:
    return "ok"


@app.get("/programs/<int:program_id>")
def program(program_id: int) -> Response:
    sessions: list[dict] = []
    with engine.connect() as connection:
        for row in connection.execute(PROGRAM_QUERY, {"program_id": program_id}):
            if not sessions or sessions[-1]["id"] != row[0]:
                sessions.append({**dict(zip(SESSION_KEYS, row[:5], strict=True)), "items": []})
            if row[5] is not None:
                sessions[-1]["items"].append(dict(zip(ITEM_KEYS, row[5:], strict=True)))
    body = json.dumps({"program_id": program_id, "sessions": sessions}, separators=(",", ":"))
    return Response(body, mimetype="application/json")
