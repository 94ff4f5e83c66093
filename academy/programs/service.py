"""Programs and assignments: validation across objects, history-keeping edits, copies."""

import sqlalchemy as sa

from academy.clients.models import Client
from academy.common.auth import Actor
from academy.common.etag import check_version
from academy.common.search import matching
from academy.common.tenancy import get_scoped, scoped, through, with_shared
from academy.common.time import utcnow
from academy.errors import Conflict, Unprocessable
from academy.exercises.models import DOSAGE_FIELDS, Exercise
from academy.extensions import db
from academy.programs import documents, runs
from academy.programs.models import Assignment, Program, ProgramItem, ProgramSession
from academy.programs.schemas import ItemWriteSchema
from academy.vocabularies import DEFAULT_ITEM_KIND

# What a coach writes of an item: its write schema's fields.
ITEM_FIELDS = tuple(ItemWriteSchema().fields)
# What is stored of an item: those, and a run's planned figures worked out from them.
_STORED_FIELDS = (*ITEM_FIELDS, "planned_distance_m", "planned_duration_seconds")

# Which status an assignment may move to from each status.
TRANSITIONS = {
    "active": {"paused", "completed", "cancelled"},
    "paused": {"active", "completed", "cancelled"},
    "completed": set(),
    "cancelled": set(),
}


# --- programs ---------------------------------------------------------------------------


def list_programs(
    actor: Actor,
    q: str | None = None,
    kind: str | None = None,
    client_id: int | None = None,
    include_archived: bool = False,
) -> sa.Select:
    stmt = scoped(Program, actor)
    if not include_archived:
        stmt = stmt.where(Program.archived_at.is_(None))
    if (found := matching(Program.search_text, q)) is not None:
        stmt = stmt.where(found)
    if kind:
        stmt = stmt.where(Program.kind == kind)
    if client_id is not None:
        stmt = stmt.where(Program.client_id == client_id)
    return stmt.order_by(sa.func.lower(Program.name), Program.id)


def get_program(actor: Actor, program_id: int) -> Program:
    return get_scoped(Program, program_id, actor, what="program")


def read_program(actor: Actor, program_id: int) -> tuple[Program, dict]:
    """A program and its whole document, in two statements."""
    program = get_program(actor, program_id)
    return program, documents.program_document(program)


# What an item takes from its exercise when it gives none of its own.
_DOSAGE = ("sets", "reps", "hold_seconds", "breaths", "duration_seconds", "distance_m")
_EXERCISE_DOSAGE = DOSAGE_FIELDS


def _bias(exercise) -> str | None:
    """The side an item of a side-biased exercise takes: ``left_bias`` or ``right_bias``."""
    return f"{exercise.side_bias}_bias" if exercise.side_bias else None


def _exercises_for(actor: Actor, sessions: list[dict], allowed_archived: set[int]) -> dict:
    """Check every item's exercise in one query, and its side against the exercise's
    bias; errors name the item's path.

    Answers each exercise's row: its stage, bias and default dosage are what an item
    that names none takes.
    """
    wanted = {item["exercise_id"] for s in sessions for item in s["items"] if _is_exercise(item)}
    found = {
        row.id: row
        for row in db.session.execute(
            with_shared(
                Exercise,
                actor,
                Exercise.id,
                Exercise.stage,
                Exercise.side_bias,
                Exercise.archived_at,
                *(getattr(Exercise, field) for field in _EXERCISE_DOSAGE),
            ).where(Exercise.id.in_(wanted))
        )
    }
    errors = {}
    for s_index, session in enumerate(sessions):
        for i_index, item in enumerate(session["items"]):
            if not _is_exercise(item):
                continue
            exercise = found.get(item["exercise_id"])
            path = f"sessions[{s_index}].items[{i_index}]"
            if exercise is None:
                errors[f"{path}.exercise_id"] = [
                    f"No exercise {item['exercise_id']} in your catalogue."
                ]
            elif exercise.archived_at is not None and exercise.id not in allowed_archived:
                errors[f"{path}.exercise_id"] = [f"Exercise {exercise.id} is archived."]
            elif exercise.side_bias and item.get("side") not in (
                None,
                f"{exercise.side_bias}_bias",
            ):
                errors[f"{path}.side"] = [
                    f"The exercise is biased to the {exercise.side_bias}: "
                    f"{exercise.side_bias}_bias, or leave it out."
                ]
    if errors:
        raise Unprocessable("The program is not valid.", errors=errors)
    return found


def _is_exercise(item: dict) -> bool:
    return item.get("kind", DEFAULT_ITEM_KIND) == "exercise"


def _item_values(item: dict, exercises: dict | None) -> dict:
    """An item's columns. Given its exercise (a new or replaced item), what the item
    leaves out comes from the exercise: its stage, its bias as the side, and its default
    dosage when the item gives none at all. A copied item is written as it is. A run
    item is of the run stage and carries its planned distance and duration."""
    values = {field: item.get(field) for field in ITEM_FIELDS}
    values["notes"] = item.get("notes") or ""
    values["kind"] = item.get("kind") or DEFAULT_ITEM_KIND
    values["planned_distance_m"], values["planned_duration_seconds"] = runs.planned(item.get("run"))
    if exercises is None:
        return values
    if values["kind"] == "run":
        values["stage"] = item.get("stage") or "run"
        values["side"] = item.get("side") or "both"
        return values
    exercise = exercises[item["exercise_id"]]
    values["stage"] = item.get("stage") or exercise.stage
    values["side"] = item.get("side") or _bias(exercise) or "both"
    if all(values[field] is None for field in _DOSAGE):
        values.update({field: getattr(exercise, field) for field in _EXERCISE_DOSAGE})
    return values


def _write_sessions(program_id: int, sessions: list[dict], exercises: dict | None) -> None:
    now = utcnow()
    for session in sessions:
        db.session.add(
            ProgramSession(
                program_id=program_id,
                week=session["week"],
                day=session["day"],
                title=session.get("title", ""),
                notes=session.get("notes", ""),
                created_at=now,
                items=[
                    ProgramItem(position=position, **_item_values(item, exercises))
                    for position, item in enumerate(session["items"])
                ],
            )
        )


def create_program(actor: Actor, data: dict, *, kind: str = "template", client_id=None) -> Program:
    exercises = _exercises_for(actor, data["sessions"], allowed_archived=set())
    program = Program(
        academy_id=actor.academy_id,
        kind=kind,
        client_id=client_id,
        name=data["name"].strip(),
        description=data["description"],
        goal=data["goal"],
        weeks=data["weeks"],
    )
    db.session.add(program)
    db.session.flush()
    _write_sessions(program.id, data["sessions"], exercises)
    db.session.flush()
    return program


def _same_session(current: dict, incoming: dict, exercises: dict) -> bool:
    if (current["title"], current["notes"]) != (incoming["title"], incoming["notes"]):
        return False
    if len(current["items"]) != len(incoming["items"]):
        return False
    return all(
        {f: old[f] for f in _STORED_FIELDS} == _item_values(new, exercises)
        for old, new in zip(current["items"], incoming["items"], strict=True)
    )


def replace_program(actor: Actor, program_id: int, expected_version, data: dict) -> Program:
    """Replace a program's document, keeping every session that did not change.

    Changed or dropped sessions are retired, never deleted, so check-ins keep the
    prescription as it was on the day.
    """
    program = get_program(actor, program_id)
    check_version(program, expected_version)
    if program.archived:
        raise Conflict("The program is archived; copy it to work on it again.")
    # Claim the version first: a concurrent writer holding the same one fails here (412).
    program.updated_at = utcnow()
    for field in ("description", "goal", "weeks"):
        setattr(program, field, data[field])
    program.name = data["name"].strip()
    db.session.flush()

    current = {(s["week"], s["day"]): s for s in documents.program_document(program)["sessions"]}
    in_use = {item["exercise_id"] for s in current.values() for item in s["items"]}
    exercises = _exercises_for(actor, data["sessions"], allowed_archived=in_use)
    fresh, retired = [], []
    for session in data["sessions"]:
        old = current.pop((session["week"], session["day"]), None)
        if old is not None and _same_session(old, session, exercises):
            continue
        if old is not None:
            retired.append(old["id"])
        fresh.append(session)
    retired.extend(s["id"] for s in current.values())
    # Through the ORM rather than a bulk UPDATE, so the audit log sees the retirement.
    now = utcnow()
    for session in db.session.scalars(
        sa.select(ProgramSession).where(through(ProgramSession.id, retired))
    ):
        session.retired_at = now
    _write_sessions(program.id, fresh, exercises)
    db.session.flush()
    return program


def copy_program(actor: Actor, program_id: int, name: str | None = None) -> Program:
    source, document = read_program(actor, program_id)
    program = _copy(actor, source, document, name or f"{source.name} (copy)")
    db.session.flush()
    return program


def _copy(actor: Actor, source: Program, document: dict, name: str, client_id=None) -> Program:
    """A new program with ``document``'s sessions; its items are copied as they are.

    Leaves the commit to the caller: assigning writes the copy and the assignment in
    one transaction, so a failure in between leaves no orphaned client program.
    """
    program = Program(
        academy_id=actor.academy_id,
        kind="client" if client_id else "template",
        client_id=client_id,
        source_program_id=source.id,
        name=name,
        description=source.description,
        goal=source.goal,
        weeks=source.weeks,
    )
    db.session.add(program)
    db.session.flush()
    _write_sessions(program.id, document["sessions"], exercises=None)
    return program


def archive_program(actor: Actor, program_id: int, expected_version) -> None:
    program = get_program(actor, program_id)
    check_version(program, expected_version)
    if program.archived_at is None:
        program.archived_at = utcnow()
    db.session.flush()


# --- assignments ------------------------------------------------------------------------


def assign(actor: Actor, client_id: int, data: dict) -> Assignment:
    """Give the client their own copy of a program, scheduled from ``start_date``."""
    client = get_scoped(Client, client_id, actor, what="client")
    if client.status == "archived":
        raise Conflict("The client is archived; restore them before assigning a program.")
    source = db.session.scalar(scoped(Program, actor).where(Program.id == data["program_id"]))
    if source is None or source.archived:
        raise Unprocessable(
            "The assignment is not valid.",
            errors={"program_id": ["No such program in your academy, or it is archived."]},
        )
    document = documents.program_document(source)
    copy = _copy(actor, source, document, source.name, client_id=client.id)
    assignment = Assignment(
        academy_id=actor.academy_id,
        client_id=client.id,
        program_id=copy.id,
        template_id=source.id if source.kind == "template" else source.source_program_id,
        start_date=data["start_date"],
        notes=data["notes"],
        status="active",
    )
    db.session.add(assignment)
    db.session.flush()
    return assignment


def list_client_assignments(actor: Actor, client_id: int) -> sa.Select:
    get_scoped(Client, client_id, actor, what="client")
    return (
        scoped(Assignment, actor)
        .where(Assignment.client_id == client_id)
        .order_by(Assignment.start_date.desc(), Assignment.id.desc())
    )


def get_assignment(actor: Actor, assignment_id: int) -> Assignment:
    return get_scoped(Assignment, assignment_id, actor, what="assignment")


def update_assignment(actor: Actor, assignment_id: int, expected_version, data: dict):
    assignment = get_assignment(actor, assignment_id)
    check_version(assignment, expected_version)
    status = data.get("status", assignment.status)
    if status != assignment.status and status not in TRANSITIONS[assignment.status]:
        raise Conflict(
            f"An assignment that is {assignment.status} cannot become {status}.",
            errors={
                "status": [
                    f"Allowed from {assignment.status}: "
                    + (", ".join(sorted(TRANSITIONS[assignment.status])) or "none")
                ]
            },
        )
    if "start_date" in data and assignment.status in ("completed", "cancelled"):
        raise Conflict(f"The assignment is {assignment.status}; its schedule is final.")
    assignment.status = status
    for field in ("start_date", "notes"):
        if field in data:
            setattr(assignment, field, data[field])
    assignment.updated_at = utcnow()
    db.session.flush()
    return assignment
