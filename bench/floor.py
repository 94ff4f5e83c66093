"""The floor: about the least work that serves a program's JSON from the same rows.

One hand-written SQL query over program_sessions, program_items and exercises, rows
grouped in a loop (each distinct JSON text decoded once, as the app does), then
``orjson.dumps``, the app's own serializer for these reads: no authentication, no
tenancy, no schemas, no ORM, no request hooks (SQLAlchemy only lends its connection
pool, as the app has one). It runs under the same gunicorn settings as the real app,
so the ratio of a real read to it says what everything else in the request costs.

``/programs/{id}`` serves the sessions of ``GET /api/v1/programs/{id}``, key for key;
``/programs/{id}/for-client`` those of ``GET /api/v1/me/assignments/{id}``, each item
with how to do its exercise, less the date and status the app adds to each session
(run.py checks both before loading). Start it with ``DATABASE_URL`` set to a SQLAlchemy
URL.
"""

import os

import orjson
import sqlalchemy as sa
from flask import Flask, Response

SESSION_KEYS = ("id", "week", "day", "title", "notes")
ITEM_KEYS = (
    "id", "kind", "exercise_id", "exercise_name", "run", "planned_distance_m",
    "planned_duration_seconds", "stage", "group", "sets", "reps", "hold_seconds", "breaths",
    "duration_seconds", "distance_m", "load", "tempo", "rest_seconds", "side", "notes",
)  # fmt: skip
CLIENT_ITEM_KEYS = (*ITEM_KEYS, "exercise_cues", "exercise_video_url")
# Item columns stored as JSON text, by key: decoded once per distinct text.
JSON_KEYS = ("run", "exercise_cues")
ITEM_COLUMNS = (
    "i.id, i.kind, i.exercise_id, e.name, CAST(i.run AS TEXT), i.planned_distance_m, "
    'i.planned_duration_seconds, i.stage, i."group", i.sets, i.reps, i.hold_seconds, '
    "i.breaths, i.duration_seconds, i.distance_m, i.load, i.tempo, i.rest_seconds, i.side, "
    "i.notes"
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
CLIENT_QUERY = _program_query(f"{ITEM_COLUMNS}, CAST(e.cues AS TEXT), e.video_url")

engine = sa.create_engine(os.environ["DATABASE_URL"])
app = Flask(__name__)


@app.get("/healthz")
def healthz() -> str:
    return "ok"


@app.get("/programs/<int:program_id>")
def program(program_id: int) -> Response:
    return _serve(program_id, PROGRAM_QUERY, ITEM_KEYS)


@app.get("/programs/<int:program_id>/for-client")
def program_for_client(program_id: int) -> Response:
    return _serve(program_id, CLIENT_QUERY, CLIENT_ITEM_KEYS)


def _serve(program_id: int, query: sa.TextClause, item_keys: tuple[str, ...]) -> Response:
    decoded = [item_keys.index(key) for key in JSON_KEYS if key in item_keys]
    texts: dict = {}
    sessions: list[dict] = []
    with engine.connect() as connection:
        for row in connection.execute(query, {"program_id": program_id}):
            if not sessions or sessions[-1]["id"] != row[0]:
                sessions.append({**dict(zip(SESSION_KEYS, row[:5], strict=True)), "items": []})
            if row[5] is not None:
                values = list(row[5:])
                for index in decoded:
                    text = values[index]
                    if text not in texts:
                        texts[text] = None if text is None else orjson.loads(text)
                    values[index] = texts[text]
                sessions[-1]["items"].append(dict(zip(item_keys, values, strict=True)))
    body = orjson.dumps({"program_id": program_id, "sessions": sessions})
    return Response(body, mimetype="application/json")
