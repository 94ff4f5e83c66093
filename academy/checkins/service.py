"""Check-ins: recording, correcting and reading them, with cross-object validation."""

import dataclasses
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from academy.auth.models import User
from academy.checkins.models import CheckIn, CheckInRating, CheckInResult
from academy.checkins.schemas import PrescribedSchema
from academy.clients.models import Client
from academy.common.tenancy import get_scoped, scoped
from academy.common.time import local_today
from academy.errors import Unprocessable
from academy.exercises.models import Exercise
from academy.extensions import db
from academy.programs.models import Assignment, ProgramItem, ProgramSession

_SCALARS = ("date", "completed", "rpe", "duration_minutes", "notes", "assignment_id", "session_id")
_WELLNESS = ("sleep_hours", "stress", "energy", "soreness")
_RUN = {"distance_km": "run_distance_km", "duration_minutes": "run_duration_minutes",
        "cadence_spm": "cadence_spm"}  # fmt: skip
# The item columns a result repeats, as prescribed that day (the exercise's name aside).
_PRESCRIBED = tuple(name for name in PrescribedSchema().fields if name != "exercise_name")
LIST_OPTIONS = (selectinload(CheckIn.results), selectinload(CheckIn.ratings))


# --- writing ------------------------------------------------------------------------------


@dataclass
class Prescription:
    """What a check-in refers to, as prescribed: its session and its results' items."""

    assignment_found: bool = False
    sessions: dict[int, dict] = dataclasses.field(default_factory=dict)
    items: dict[int, dict] = dataclasses.field(default_factory=dict)


_ITEM_COLUMNS = (ProgramItem.id, Exercise.name, *(getattr(ProgramItem, f) for f in _PRESCRIBED))
_SESSION_COLUMNS = (
    ProgramSession.id,
    ProgramSession.week,
    ProgramSession.day,
    ProgramSession.title,
)


def _item(row) -> dict:
    return {"exercise_name": row[1], **dict(zip(_PRESCRIBED, row[2:], strict=True))}


def _session(row) -> dict:
    return dict(zip(("id", "week", "day", "title"), row, strict=True))


def _look_up(actor: User, check_in: CheckIn) -> Prescription:
    """The caller's assignment, the session in it and the results' items of that
    session, in one statement (none without an assignment)."""
    found = Prescription()
    if check_in.assignment_id is None:
        return found
    item_ids = [r.item_id for r in check_in.results]
    rows = db.session.execute(
        scoped(Assignment, actor, Assignment.id, *_SESSION_COLUMNS, *_ITEM_COLUMNS)
        # Any version of the session counts: the coach may have edited it since.
        .outerjoin(
            ProgramSession,
            sa.and_(
                ProgramSession.program_id == Assignment.program_id,
                ProgramSession.id == check_in.session_id,
            ),
        )
        .outerjoin(
            ProgramItem,
            sa.and_(ProgramItem.session_id == ProgramSession.id, ProgramItem.id.in_(item_ids)),
        )
        .outerjoin(Exercise, Exercise.id == ProgramItem.exercise_id)
        .where(Assignment.id == check_in.assignment_id)
    ).all()
    found.assignment_found = bool(rows)
    for row in rows:
        if row[1] is not None:
            found.sessions[row[1]] = _session(row[1:5])
        if row[5] is not None:
            found.items[row[5]] = _item(row[5:])
    return found


def _validate(actor: User, check_in: CheckIn) -> Prescription:
    """Rules across objects; every failure names its field. Answers what was looked up,
    so that the answer need not look it up again."""
    # The look-up must not flush the edited check-in first: an unknown item or session
    # would then fail its foreign key (409) before it could be reported (422).
    with db.session.no_autoflush:
        found = _look_up(actor, check_in)
    errors: dict[str, list[str]] = {}
    if check_in.date > local_today(actor.timezone):
        errors["date"] = ["Cannot be later than today in your timezone."]
    if check_in.session_id is not None and check_in.assignment_id is None:
        errors["session_id"] = ["Name the assignment the session belongs to."]
    if check_in.assignment_id is not None and not found.assignment_found:
        errors["assignment_id"] = ["No such assignment of yours."]
    elif check_in.session_id is not None and check_in.session_id not in found.sessions:
        errors["session_id"] = ["No such session in that assignment."]
    results = check_in.results
    if results and check_in.session_id is None:
        errors["results"] = ["Item results need a session_id."]
    elif results and "session_id" not in errors and "assignment_id" not in errors:
        for index, result in enumerate(results):
            if result.item_id not in found.items:
                errors[f"results[{index}].item_id"] = ["No such item in that session."]
    if errors:
        raise Unprocessable("The check-in is not valid.", errors=errors)
    return found


def _apply(check_in: CheckIn, data: dict) -> None:
    for field in _SCALARS:
        if field in data:
            setattr(check_in, field, data[field])
    if "wellness" in data:
        wellness = data["wellness"] or {}
        for field in _WELLNESS:
            setattr(check_in, field, wellness.get(field))
    if "run" in data:
        run = data["run"] or {}
        for field, column in _RUN.items():
            setattr(check_in, column, run.get(field))
    if "results" in data:
        check_in.results = [
            CheckInResult(position=i, **result) for i, result in enumerate(data["results"])
        ]
    if "ratings" in data:
        check_in.ratings = [
            CheckInRating(
                position=i,
                academy_id=check_in.academy_id,
                client_id=check_in.client_id,
                date=check_in.date,
                region=r["region"],
                side=r["side"],
                tightness=r.get("tightness"),
                pain=r.get("pain"),
            )
            for i, r in enumerate(data["ratings"])
        ]
    elif "date" in data:
        for rating in check_in.ratings:
            rating.date = check_in.date


def create_check_in(actor: User, data: dict) -> dict:
    """A new check-in of the calling client, as answered. Flushed, not committed: the
    caller commits it together with its idempotency record
    (``academy.common.idempotency``)."""
    check_in = CheckIn(academy_id=actor.academy_id, client_id=actor.id, notes="")
    _apply(check_in, {"results": [], "ratings": [], **data})
    found = _validate(actor, check_in)
    db.session.add(check_in)
    db.session.flush()
    return _present_one(check_in, found.items, found.sessions)


def get_check_in(actor: User, check_in_id: int) -> CheckIn:
    return get_scoped(CheckIn, check_in_id, actor, *LIST_OPTIONS, what="check-in")


def update_check_in(actor: User, check_in_id: int, data: dict) -> dict:
    """The corrected check-in, as answered."""
    check_in = get_check_in(actor, check_in_id)
    if "assignment_id" in data and data["assignment_id"] != check_in.assignment_id:
        data.setdefault("session_id", None)  # a session belongs to its assignment
    _apply(check_in, data)
    found = _validate(actor, check_in)
    db.session.commit()
    return _present_one(check_in, found.items, found.sessions)


def delete_check_in(actor: User, check_in_id: int) -> None:
    """The client's own record: deleting it removes it with its results and ratings."""
    db.session.delete(get_check_in(actor, check_in_id))
    db.session.commit()


# --- reading ------------------------------------------------------------------------------


def list_check_ins(actor: User, client_id: int | None, start: date | None, end: date | None):
    """The caller's check-ins (a client) or one client's (a coach), newest first."""
    stmt = scoped(CheckIn, actor).options(*LIST_OPTIONS)
    if client_id is not None:
        get_scoped(Client, client_id, actor, what="client")
        stmt = stmt.where(CheckIn.client_id == client_id)
    if start:
        stmt = stmt.where(CheckIn.date >= start)
    if end:
        stmt = stmt.where(CheckIn.date <= end)
    return stmt.order_by(CheckIn.date.desc(), CheckIn.id.desc())


def present(check_ins: list[CheckIn]) -> list[dict]:
    """Check-ins as answered, each result with the prescription as it was that day.

    Two statements for the whole page: the items (with exercise names) and the sessions.
    """
    item_ids = {r.item_id for c in check_ins for r in c.results}
    session_ids = {c.session_id for c in check_ins if c.session_id}
    items, sessions = {}, {}
    if item_ids:
        rows = db.session.execute(
            sa.select(*_ITEM_COLUMNS)
            .join(Exercise, Exercise.id == ProgramItem.exercise_id)
            .where(ProgramItem.id.in_(item_ids))
        )
        items = {row[0]: _item(row) for row in rows}
    if session_ids:
        rows = db.session.execute(
            sa.select(*_SESSION_COLUMNS).where(ProgramSession.id.in_(session_ids))
        )
        sessions = {row[0]: _session(row) for row in rows}
    return [_present_one(c, items, sessions) for c in check_ins]


def _present_one(check_in: CheckIn, items: dict, sessions: dict) -> dict:
    return {
        "id": check_in.id,
        "client_id": check_in.client_id,
        "date": check_in.date,
        "assignment_id": check_in.assignment_id,
        "session_id": check_in.session_id,
        "session": sessions.get(check_in.session_id),
        "completed": check_in.completed,
        "rpe": check_in.rpe,
        "duration_minutes": check_in.duration_minutes,
        "results": [
            {
                "id": r.id,
                "item_id": r.item_id,
                "prescribed": items.get(r.item_id),
                "completed": r.completed,
                "sets_done": r.sets_done,
                "reps_done": r.reps_done,
                "side": r.side,
                "felt_in": r.felt_in,
                "notes": r.notes,
            }
            for r in check_in.results
        ],
        "ratings": check_in.ratings,
        "wellness": {field: getattr(check_in, field) for field in _WELLNESS},
        "run": {field: getattr(check_in, column) for field, column in _RUN.items()},
        "notes": check_in.notes,
        "created_at": check_in.created_at,
        "updated_at": check_in.updated_at,
    }
