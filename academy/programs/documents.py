"""Programs as documents, read with hand-picked columns in a fixed number of statements.

These builders serve the heaviest reads (a program, a client's assignment, today's
sessions), so they select plain rows rather than ORM objects and shape the answer
directly, from the fields the schemas in ``schemas.py`` declare.
"""

from collections.abc import Callable, Iterable
from datetime import date
from functools import partial
from typing import Any, NamedTuple

import orjson
import sqlalchemy as sa

from academy.common.presenters import row_presenter
from academy.common.tenancy import ForIds, through
from academy.exercises.models import Exercise
from academy.extensions import db
from academy.programs.models import Program, ProgramItem, ProgramSession
from academy.programs.schemas import (
    ClientItemSchema,
    ItemSchema,
    ProgramSummarySchema,
    SessionSchema,
)

# The answer's fields come from the schemas, and each is read from the column named
# alike (the exercise's fields from the exercise): one definition of an item, kept in
# ``schemas.py``, drives the statement, the answer and the document.
_SESSION_KEYS = tuple(k for k in SessionSchema().fields if k != "items")
_FROM_EXERCISE = {
    "exercise_name": Exercise.name,
    "exercise_cues": Exercise.cues,
    "exercise_video_url": Exercise.video_url,
}


def _source(key: str):
    """The column an item field is read from."""
    return _FROM_EXERCISE.get(key) or getattr(ProgramItem, key)


# Fields worked out after the read (the safety rules' `held`), not read from a column.
COMPUTED = ("held",)


def _stored(schema) -> tuple[str, ...]:
    return tuple(key for key in schema().fields if key not in COMPUTED)


def _item_columns(schema) -> tuple:
    return tuple(_read_as_text(_source(key)) for key in _stored(schema))


def _read_as_text(column):
    """A JSON column (an exercise's cues) is read as its text and decoded in ``_group``
    once per exercise, not once per item: a program repeats its exercises many times."""
    if isinstance(column.type, sa.JSON):
        return sa.cast(column, sa.Text).label(column.key)
    return column


class Typing(NamedTuple):
    """What the safety rules read of an exercise (``safety.Work.of_exercise`` takes it)."""

    name: str
    stage: str
    impact: str
    loads: list | None
    spine: str
    pressure: str
    precautions: list | None


# Read after each of the client app's items, so that the rules need no statement of
# their own: the fields of ``Typing`` (JSON as text, decoded by ``guard.service.work_of``).
_TYPING = tuple(_read_as_text(getattr(Exercise, key)) for key in Typing._fields)


def _sessions_statement(
    item_schema, program_ids: sa.BindParameter[Any], *, due: bool, typing: bool
) -> sa.Select:
    """Sessions in force of the programs of ``program_ids`` with the fields of
    ``item_schema`` for each of their items, in order; with ``due``, only the given
    (program, week, day) slots; with ``typing``, each item's exercise as the safety
    rules read it after the fields."""
    stmt = (
        sa.select(
            ProgramSession.program_id,
            *(getattr(ProgramSession, key) for key in _SESSION_KEYS),
            *_item_columns(item_schema),
            *(_TYPING if typing else ()),
        )
        .select_from(ProgramSession)
        .outerjoin(ProgramItem, ProgramItem.session_id == ProgramSession.id)
        .outerjoin(Exercise, Exercise.id == ProgramItem.exercise_id)
        .where(through(ProgramSession.program_id, program_ids))
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


class _Shape(NamedTuple):
    """A prebuilt read: its statement, the presenter of its items, and where among an
    item's values are the JSON texts, the exercise's id and its typing (if read)."""

    statement: sa.Select
    present_item: Callable[[list], dict]
    decoded: tuple[int, ...]
    exercise_at: int
    typing_at: int | None


def _shape(schema, program_ids: sa.BindParameter[Any], *, due: bool, typing: bool) -> _Shape:
    stored = _stored(schema)
    return _Shape(
        _sessions_statement(schema, program_ids, due=due, typing=typing),
        row_presenter(schema(), stored),
        tuple(index for index, key in enumerate(stored) if isinstance(_source(key).type, sa.JSON)),
        stored.index("exercise_id"),
        len(stored) if typing else None,
    )


# Built once: the client app's heaviest reads then skip building the statement and
# matching its columns against SQLAlchemy's compiled cache on every request. The coach
# reads a program's items; the client app reads each with how to do the exercise, and
# what the safety rules read of it. Each item is shaped by its schema's presenter
# straight from its row (``row_presenter``), so the answer's presenter does not walk
# the items again.
_SHAPES = {
    (schema, due): ForIds(
        "program_ids",
        partial(_shape, schema, due=due, typing=schema is ClientItemSchema),
    )
    for schema in (ItemSchema, ClientItemSchema)
    for due in (False, True)
}


def sessions_by_program(
    program_ids: Iterable[int], item_schema=ItemSchema, typing: dict | None = None
) -> dict[int, list[dict]]:
    """The sessions in force of each program (read in the caller's scope), with their
    items, in one statement. For the client app's items (``ClientItemSchema``),
    ``typing`` gets each of their exercises as the safety rules read it, by id: the
    values of ``Typing``'s fields, JSON as text (``guard.service.work_of`` makes the
    rules' ``Work`` of them)."""
    shape, ids = _SHAPES[(item_schema, False)].pick(program_ids)
    rows = db.session.connection().execute(shape.statement, {"program_ids": ids})
    return _group(rows.all(), shape, typing)


def sessions_due(
    slots: Iterable[tuple[int, int, int]],
    item_schema=ClientItemSchema,
    typing: dict | None = None,
) -> dict[int, list[dict]]:
    """The sessions in force at (program, week, day) slots, with their items, in one
    statement; ``typing`` as for ``sessions_by_program``."""
    slots = list(slots)
    shape = _SHAPES[(item_schema, True)].many
    rows = db.session.connection().execute(
        shape.statement, {"program_ids": sorted({s[0] for s in slots}), "slots": slots}
    )
    return _group(rows.all(), shape, typing)


_FIRST_ITEM = 1 + len(_SESSION_KEYS)


def _group(rows, shape: _Shape, typing: dict | None) -> dict[int, list[dict]]:
    # Plain rows fetched at once straight from the connection: the ORM's result layer,
    # or fetching row by row, would double the cost of the client app's heaviest read.
    # JSON columns come as text, decoded once per distinct text and kept for the
    # process; an exercise's typing taken once. This loop runs for every item
    # of every read of a program, so it is written for speed: no call but the item's
    # presenter, nothing looked up twice.
    result: dict[int, list[dict]] = {}
    texts = _decoded_texts()
    _, present_item, decoded, exercise_at, typing_at = shape
    typing = {} if typing is None else typing
    first = _FIRST_ITEM
    typing_from = None if typing_at is None else first + typing_at
    session_id = None
    items: list[dict] = []
    for row in rows:
        if row[1] != session_id:
            session_id, items = row[1], []
            session = dict(zip(_SESSION_KEYS, row[1:first], strict=True))
            session["items"] = items
            result.setdefault(row[0], []).append(session)
        if row[first] is None:
            continue
        values = list(row[first:])
        for index in decoded:
            text = values[index]
            if text is not None:
                value = texts.get(text)
                if value is None:
                    value = texts[text] = orjson.loads(text)
                values[index] = value
        items.append(present_item(values))
        if typing_from is not None:
            exercise_id = values[exercise_at]
            if exercise_id is not None and exercise_id not in typing:
                typing[exercise_id] = row[typing_from:]
    return result


# Decoded JSON texts of items (an exercise's cues, a run), kept for the process: a
# client's every read repeats the same texts. Shared by every answer that holds them, so
# never changed in place; emptied when it holds more than the bound.
_TEXTS: dict[str, object] = {}
_TEXTS_BOUND = 4096


def _decoded_texts() -> dict[str, object]:
    if len(_TEXTS) > _TEXTS_BOUND:
        _TEXTS.clear()
    return _TEXTS


_PROGRAM = ProgramSummarySchema()


def program_document(program: Program) -> dict:
    sessions = sessions_by_program([program.id]).get(program.id, [])
    return {**_PROGRAM.dump(program), "sessions": sessions}


def session_status(on: date, today: date, done: bool) -> str:
    if done:
        return "done"
    if on == today:
        return "today"
    return "missed" if on < today else "upcoming"
