"""Programs as documents, read with hand-picked columns in a fixed number of statements.

These builders serve the heaviest reads (a program, a client's assignment, today's
sessions), so they select plain rows rather than ORM objects and shape the answer
directly; the schemas in ``schemas.py`` describe the same shapes for the docs.
"""

from collections.abc import Iterable
from datetime import date, timedelta

import sqlalchemy as sa

from academy.common.time import iso_z
from academy.exercises.models import Exercise
from academy.extensions import db
from academy.programs.models import Program, ProgramItem, ProgramSession

_SESSION_COLUMNS = (
    ProgramSession.program_id,
    ProgramSession.id,
    ProgramSession.week,
    ProgramSession.day,
    ProgramSession.title,
    ProgramSession.notes,
)
_ITEM_COLUMNS = (
    ProgramItem.id,
    ProgramItem.exercise_id,
    Exercise.name,
    ProgramItem.stage,
    ProgramItem.group,
    ProgramItem.sets,
    ProgramItem.reps,
    ProgramItem.hold_seconds,
    ProgramItem.breaths,
    ProgramItem.duration_seconds,
    ProgramItem.distance_m,
    ProgramItem.load,
    ProgramItem.tempo,
    ProgramItem.rest_seconds,
    ProgramItem.side,
    ProgramItem.notes,
)
ITEM_KEYS = (
    "id", "exercise_id", "exercise_name", "stage", "group", "sets", "reps", "hold_seconds",
    "breaths", "duration_seconds", "distance_m", "load", "tempo", "rest_seconds", "side", "notes",
)  # fmt: skip
# What the client app shows with each item of today's session.
_TODAY_COLUMNS = (Exercise.cues, Exercise.video_url)
TODAY_KEYS = ("exercise_cues", "exercise_video_url")


def _sessions_statement(*, due: bool) -> sa.Select:
    """Sessions in force of some programs with their items, in order; with ``due``, only
    the given (program, week, day) slots, and each exercise's cues and video."""
    stmt = (
        sa.select(*_SESSION_COLUMNS, *_ITEM_COLUMNS, *(_TODAY_COLUMNS if due else ()))
        .select_from(ProgramSession)
        .outerjoin(ProgramItem, ProgramItem.session_id == ProgramSession.id)
        .outerjoin(Exercise, Exercise.id == ProgramItem.exercise_id)
        .where(ProgramSession.program_id.in_(sa.bindparam("program_ids", expanding=True)))
        .where(ProgramSession.retired_at.is_(None))
        .order_by(
            ProgramSession.program_id,
            ProgramSession.week,
            ProgramSession.day,
            ProgramItem.position,
        )
    )
    if due:
        slot = sa.tuple_(ProgramSession.program_id, ProgramSession.week, ProgramSession.day)
        stmt = stmt.where(slot.in_(sa.bindparam("slots", expanding=True)))
    return stmt


# Built once: the client app's heaviest reads then skip building the statement and
# matching its columns against SQLAlchemy's compiled cache on every request.
_ALL_SESSIONS = _sessions_statement(due=False)
_DUE_SESSIONS = _sessions_statement(due=True)


def sessions_by_program(program_ids: Iterable[int]) -> dict[int, list[dict]]:
    """The sessions in force of each program, with their items, in one statement."""
    rows = db.session.connection().execute(_ALL_SESSIONS, {"program_ids": list(program_ids)})
    return _group(rows.all(), ITEM_KEYS)


def sessions_due(slots: Iterable[tuple[int, int, int]]) -> dict[int, list[dict]]:
    """The sessions in force at (program, week, day) slots, with each item's exercise
    cues and video, in one statement."""
    slots = list(slots)
    rows = db.session.connection().execute(
        _DUE_SESSIONS, {"program_ids": sorted({s[0] for s in slots}), "slots": slots}
    )
    return _group(rows.all(), ITEM_KEYS + TODAY_KEYS)


def _group(rows, item_keys: tuple[str, ...]) -> dict[int, list[dict]]:
    # Plain rows fetched at once straight from the connection: the ORM's result layer,
    # or fetching row by row, would double the cost of the client app's heaviest read.
    result: dict[int, list[dict]] = {}
    current = None
    for row in rows:
        if current is None or current["id"] != row[1]:
            current = {
                "id": row[1],
                "week": row[2],
                "day": row[3],
                "title": row[4],
                "notes": row[5],
                "items": [],
            }
            result.setdefault(row[0], []).append(current)
        if row[6] is not None:
            current["items"].append(dict(zip(item_keys, row[6:], strict=True)))
    return result


def program_fields(program: Program) -> dict:
    return {
        "id": program.id,
        "kind": program.kind,
        "client_id": program.client_id,
        "source_program_id": program.source_program_id,
        "name": program.name,
        "description": program.description,
        "goal": program.goal,
        "weeks": program.weeks,
        "archived": program.archived,
        "created_at": iso_z(program.created_at),
        "updated_at": iso_z(program.updated_at),
    }


def program_document(program: Program) -> dict:
    sessions = sessions_by_program([program.id]).get(program.id, [])
    return {**program_fields(program), "sessions": sessions}


def session_date(start: date, week: int, day: int) -> date:
    """Session (week, day) falls on start + 7*(week-1) + (day-1)."""
    return start + timedelta(days=7 * (week - 1) + (day - 1))


def week_and_day(start: date, on: date, weeks: int) -> tuple[int, int] | None:
    """The (week, day) of a program started on ``start`` that falls on ``on``, if any."""
    offset = (on - start).days
    if offset < 0 or offset >= 7 * weeks:
        return None
    return offset // 7 + 1, offset % 7 + 1


def session_status(on: date, today: date, done: bool) -> str:
    if done:
        return "done"
    if on == today:
        return "today"
    return "missed" if on < today else "upcoming"
