"""The plan stays safe as the runner changes.

The method's safety rules (``academy.assessments.safety``) run over the sessions still
ahead of a client, fed by her latest assessment and by her latest check-ins: a check-in
that reports pain of 4 or more in the left knee on Tuesday holds Thursday's hops. An item
the rules hold back is answered ``held: {rule, reason}`` in the client's reads; the coach
sees it among the client's plan conflicts (and on the dashboard), each with the nearest
easier rung of its exercise's ladder that the rules allow, and swaps them in one call.
Nothing changes without the coach.

Every read here issues a fixed number of statements, whatever the plan's length or the
number of clients.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import orjson
import sqlalchemy as sa

from academy.assessments import method, safety
from academy.assessments.models import Assessment
from academy.checkins.pain import worst_pain
from academy.clients.models import Client
from academy.common.auth import Actor
from academy.common.etag import check_version
from academy.common.presenters import presenter
from academy.common.tenancy import ForIds, get_scoped, through, with_shared
from academy.common.time import local_today, utcnow
from academy.errors import Unprocessable
from academy.exercises.models import Exercise, exercise_ladder
from academy.extensions import db
from academy.programs import dates, documents
from academy.programs.models import Assignment, ProgramItem, ProgramSession
from academy.programs.schemas import HeldSchema
from academy.programs.service import replace_program
from academy.vocabularies import STAGES

# The easier rung of a plain run: the global catalogue's walk-run intervals, then their
# own easier rungs.
RUN_LADDER_SLUG = "walk-run-intervals"
# What the rules read of an exercise.
_TYPING = (
    Exercise.id,
    Exercise.name,
    Exercise.stage,
    Exercise.impact,
    Exercise.loads,
    Exercise.spine,
    Exercise.pressure,
    Exercise.precautions,
    Exercise.laterality,
    Exercise.side_bias,
)


def _work(row) -> safety.Work:
    return safety.Work.of_exercise(row)


# Where ``Typing``'s JSON fields are among its values.
_TYPING_JSON = tuple(documents.Typing._fields.index(key) for key in ("loads", "precautions"))


@lru_cache(maxsize=2048)
def work_of(typing: tuple) -> safety.Work:
    """What the safety rules read of an exercise, from the values of its
    ``documents.Typing`` columns (JSON as text), as the client's reads hand them over.
    The same values always make the same work, so it is kept for the process (bounded:
    a catalogue and its academies' own exercises): the client app's reads then neither
    decode nor build an exercise's work again on every request, and an exercise changed
    is read afresh, its values being new."""
    values = list(typing)
    for index in _TYPING_JSON:
        text = values[index]
        values[index] = None if text is None else orjson.loads(text)
    return safety.Work.of_exercise(documents.Typing(*values))


def _item_work(kind: str, run: dict | None, exercise, work=_work) -> safety.Work | None:
    """An item's work: its run's, or what ``work`` makes of its exercise (a row, or the
    typing values the client's reads hand over, for ``work_of``)."""
    if kind == "run":
        return safety.Work.of_run((run or {}).get("type"))
    return work(exercise) if exercise is not None else None


# --- each client's guard today ---------------------------------------------------------------


def _latest_assessments(ids: sa.BindParameter[Any]) -> sa.Select[Any]:
    """Each client's latest assessment, read through the clients' ids (found in scope
    by the caller), so that the planner takes each client's own index whatever the
    academy's size. Read as plain rows (the rules read columns only): an ORM object per
    assessment, with its identity and change tracking, costs the client app's heaviest
    read more than the rules that use it."""
    latest = (
        sa.select(
            Assessment.id,
            sa.func.row_number()
            .over(
                partition_by=Assessment.client_id,
                order_by=(Assessment.assessed_on.desc(), Assessment.id.desc()),
            )
            .label("n"),
        )
        .where(Assessment.archived_at.is_(None), through(Assessment.client_id, ids))
        .subquery()
    )
    return (
        sa.select(Assessment.__table__)
        .join(latest, latest.c.id == Assessment.id)
        .where(latest.c.n == 1)
    )


_SINCE = sa.bindparam("since", type_=sa.Date)
# Built once, as every client read runs them: for many clients (the dashboard's) and
# for one (a client's own reads).
_LATEST_ASSESSMENTS = ForIds("ids", _latest_assessments)
_PAIN = ForIds("ids", lambda ids: worst_pain(ids, _SINCE))


def guards(actor: Actor, today_of: dict[int, date]) -> dict[int, safety.Guard]:
    """The safety rules read for each client of ``today_of`` (client id -> their today;
    clients the caller found in scope):
    from their latest assessment and the pain of their check-ins of the last two weeks.
    Two statements, whatever the number of clients, none included: the dashboard asks
    twice and issues as many statements whatever its clients hold."""
    latest, ids = _LATEST_ASSESSMENTS.pick(today_of)
    connection = db.session.connection()
    assessments = {a.client_id: a for a in connection.execute(latest, {"ids": ids})}
    since = min(today_of.values(), default=local_today("UTC")) - timedelta(
        days=safety.CHECK_IN_DAYS
    )
    ratings: dict[int, list] = defaultdict(list)
    worst, ids = _PAIN.pick(today_of)
    rows = connection.execute(worst, {"ids": ids, "since": since})
    for client_id, region, side, pain, on in rows:
        ratings[client_id].append((region, side, pain, on))
    answer = {}
    for client_id, today in today_of.items():
        assessment = assessments.get(client_id)
        findings = method.derive(assessment).findings if assessment is not None else ()
        picture = safety.picture_of(assessment, today, findings, ratings[client_id])
        answer[client_id] = safety.Guard(picture)
    return answer


def guard_for(actor: Actor, client_id: int, today: date) -> safety.Guard:
    return guards(actor, {client_id: today})[client_id]


# --- the client's reads ---------------------------------------------------------------------

# An item's ``held`` is set into an item already shaped: shaped here by its own schema.
_HELD = presenter(HeldSchema())


def mark_held(actor: Actor, sessions: list[dict], today: date, typing: dict[int, tuple]) -> None:
    """Give every item of ``sessions`` (each with its ``date``) its ``held``: set for an
    item still ahead that the rules hold back today. ``typing`` holds what the rules read
    of the items' exercises, read with the items (``documents.sessions_by_program``).
    Two statements (the client's assessment and recent pain), none when nothing is
    ahead."""
    for session in sessions:
        for item in session["items"]:
            item["held"] = None
    ahead = [s for s in sessions if s["date"] >= today and s["items"]]
    if not ahead:
        return
    guard = guard_for(actor, actor.id, today)
    if guard.clear:
        return
    # What the rules hold depends on the exercise (or the type of run) alone: asked once
    # for each, however often the plan repeats it.
    answers: dict[tuple, dict | None] = {}
    for session in ahead:
        for item in session["items"]:
            run_type = (item["run"] or {}).get("type") if item["kind"] == "run" else None
            key = (item["kind"], run_type, item["exercise_id"])
            if key not in answers:
                exercise = typing.get(item["exercise_id"])
                work = _item_work(item["kind"], item["run"], exercise, work_of)
                held = guard.hold(work) if work is not None else None
                answers[key] = _HELD(held) if held else None
            item["held"] = answers[key]


# --- what the coach sees: conflicts ---------------------------------------------------------


@dataclass
class Conflict:
    client_id: int
    assignment_id: int
    session_id: int
    week: int
    day: int
    date: date
    item_id: int
    kind: str
    exercise_id: int | None
    name: str
    held: safety.Held


def _items_ahead(actor: Actor, today_of: dict[int, date], assignment_id: int | None = None):
    """The items of the active assignments of these clients, with what the rules read of
    each; one statement."""
    # Read through the clients' ids (found in scope by the caller), so that the planner
    # takes each client's own index whatever the academy's size.
    stmt = (
        sa.select(
            Assignment.client_id,
            Assignment.id,
            Assignment.start_date,
            ProgramSession.id,
            ProgramSession.week,
            ProgramSession.day,
            ProgramItem.id,
            ProgramItem.kind,
            ProgramItem.run,
            *(column.label(f"exercise_{column.key}") for column in _TYPING),
        )
        .join(ProgramSession, ProgramSession.program_id == Assignment.program_id)
        .join(ProgramItem, ProgramItem.session_id == ProgramSession.id)
        .outerjoin(Exercise, Exercise.id == ProgramItem.exercise_id)
        .where(
            Assignment.status == "active",
            through(Assignment.client_id, list(today_of)),
            ProgramSession.retired_at.is_(None),
        )
        .order_by(
            Assignment.client_id,
            Assignment.id,
            ProgramSession.week,
            ProgramSession.day,
            ProgramItem.position,
        )
    )
    if assignment_id is not None:
        stmt = stmt.where(Assignment.id == assignment_id)
    return db.session.execute(stmt).all()


class _ExerciseRow:
    """The typing columns of a joined row, read as an exercise."""

    def __init__(self, row):
        self.id = row.exercise_id
        self.name = row.exercise_name
        self.stage = row.exercise_stage
        self.impact = row.exercise_impact
        self.loads = row.exercise_loads
        self.spine = row.exercise_spine
        self.pressure = row.exercise_pressure
        self.precautions = row.exercise_precautions
        self.laterality = row.exercise_laterality
        self.side_bias = row.exercise_side_bias


def conflicts(
    actor: Actor,
    today_of: dict[int, date],
    guards_of: dict[int, safety.Guard] | None = None,
    assignment_id: int | None = None,
) -> list[Conflict]:
    """The items still ahead that the rules hold back today, for these clients."""
    guards_of = guards_of if guards_of is not None else guards(actor, today_of)
    troubled = {c: today_of[c] for c, g in guards_of.items() if not g.clear}
    found = []
    for row in _items_ahead(actor, troubled, assignment_id):
        client_id, a_id, start, session_id, week, day, item_id, kind, run = row[:9]
        on = dates.session_date(start, week, day)
        if on < troubled[client_id]:
            continue
        exercise = _ExerciseRow(row) if row.exercise_id is not None else None
        work = _item_work(kind, run, exercise)
        held = guards_of[client_id].hold(work) if work is not None else None
        if held is not None:
            found.append(
                Conflict(
                    client_id,
                    a_id,
                    session_id,
                    week,
                    day,
                    on,
                    item_id,
                    kind,
                    row.exercise_id,
                    exercise.name if exercise else _run_name(run),
                    held,
                )
            )
    return found


def _run_name(run: dict | None) -> str:
    return f"{(run or {}).get('type') or 'easy'} run".capitalize()


def conflict_counts(actor: Actor, today_of: dict[int, date]) -> dict[int, int]:
    """How many items still ahead each client's rules hold back (only those with any)."""
    counts: dict[int, int] = defaultdict(int)
    for conflict in conflicts(actor, today_of):
        counts[conflict.client_id] += 1
    return dict(counts)


# --- ladders ----------------------------------------------------------------------------------


class Ladder:
    """Every exercise the academy can see, with its easier rungs, read in two statements."""

    def __init__(self, actor: Actor):
        self.exercises = {
            row.id: row
            for row in db.session.execute(
                with_shared(Exercise, actor, *_TYPING, Exercise.academy_id, Exercise.slug).where(
                    Exercise.archived_at.is_(None)
                )
            )
        }
        self.easier: dict[int, list[int]] = defaultdict(list)
        for easier_id, harder_id in db.session.execute(
            sa.select(exercise_ladder.c.easier_id, exercise_ladder.c.harder_id).where(
                exercise_ladder.c.harder_id.in_(list(self.exercises))
            )
        ).tuples():
            harder, easier = self.exercises[harder_id], self.exercises.get(easier_id)
            # A global exercise's ladder shows only global steps.
            if easier is not None and easier.academy_id in (None, harder.academy_id):
                self.easier[harder_id].append(easier_id)
        for rungs in self.easier.values():
            rungs.sort(key=lambda i: (self.exercises[i].name.lower(), i))
        self.run_rung = next(
            (
                e.id
                for e in self.exercises.values()
                if e.slug == RUN_LADDER_SLUG and e.academy_id is None
            ),
            None,
        )

    def nearest_allowed(self, guard: safety.Guard, conflict: Conflict):
        """The nearest easier rung the rules allow, breadth first down the ladder; None
        when no rung is safe."""
        start: list[int] = []
        if conflict.kind == "run" and self.run_rung is not None:
            start = [self.run_rung]
        elif conflict.kind != "run" and conflict.exercise_id is not None:
            start = list(self.easier.get(conflict.exercise_id, []))
        seen: set[int] = set()
        level = start
        while level:
            following = []
            for rung in level:
                if rung in seen:
                    continue
                seen.add(rung)
                if guard.hold(_work(self.exercises[rung])) is None:
                    return self.exercises[rung]
                following += self.easier.get(rung, [])
            level = following
        return None


def plan_conflicts(actor: Actor, client_id: int) -> list[dict]:
    """The client's items still ahead that the rules hold back today, each with the
    nearest easier rung they allow."""
    client = get_scoped(Client, client_id, actor, what="client")
    today = local_today(client.timezone)
    guard = guard_for(actor, client.id, today)
    found = conflicts(actor, {client.id: today}, {client.id: guard})
    if not found:
        return []
    ladder = Ladder(actor)
    return [_presented(c, ladder.nearest_allowed(guard, c)) for c in found]


def _presented(conflict: Conflict, rung) -> dict:
    return {
        "assignment_id": conflict.assignment_id,
        "session_id": conflict.session_id,
        "week": conflict.week,
        "day": conflict.day,
        "date": conflict.date,
        "item_id": conflict.item_id,
        "kind": conflict.kind,
        "exercise_id": conflict.exercise_id,
        "name": conflict.name,
        "held": conflict.held.as_dict(),
        "easier": {"exercise_id": rung.id, "name": rung.name} if rung is not None else None,
    }


# --- the coach's swap -----------------------------------------------------------------------


def apply_easier(actor: Actor, assignment_id: int, expected_version, item_ids: list[int]):
    """Swap the listed items (held back, still ahead) for the nearest easier rung the
    rules allow, or drop them when no rung is safe. Sessions that change are retired and
    written anew, as any edit of a client's program is; the assignment gets a new version.
    """
    assignment = get_scoped(Assignment, assignment_id, actor, what="assignment")
    check_version(assignment, expected_version)
    client = db.session.get_one(Client, assignment.client_id)
    today = local_today(client.timezone)
    guard = guard_for(actor, client.id, today)
    held = {
        c.item_id: c
        for c in conflicts(actor, {client.id: today}, {client.id: guard}, assignment.id)
    }
    errors = {
        f"items[{n}]": [f"Item {item_id} is not an item ahead that the safety rules hold back."]
        for n, item_id in enumerate(item_ids)
        if item_id not in held
    }
    if errors:
        raise Unprocessable("Nothing was swapped.", errors=errors)
    ladder = Ladder(actor)
    swaps = {item_id: ladder.nearest_allowed(guard, held[item_id]) for item_id in item_ids}
    program = assignment.program
    document = documents.program_document(program)
    for session in document["sessions"]:
        kept = [item for item in session["items"] if item["id"] not in swaps]
        for item in session["items"]:
            rung = swaps.get(item["id"])
            if item["id"] in swaps and rung is not None:
                _in_stage_order(kept, _swapped(item, rung, held[item["id"]]))
        session["items"] = kept
    replace_program(actor, program.id, program.version, document)
    assignment.updated_at = utcnow()
    db.session.flush()
    return assignment, [
        {
            "item_id": item_id,
            "held": held[item_id].held.as_dict(),
            "easier": ({"exercise_id": rung.id, "name": rung.name} if rung is not None else None),
        }
        for item_id, rung in swaps.items()
    ]


def _in_stage_order(items: list[dict], new: dict) -> None:
    """Put ``new`` after the last item of its stage or an earlier one, so a session keeps
    the method's order (a position drill swapped in for a run drill moves up)."""
    rank = STAGES.index(new["stage"])
    at = 0
    for index, item in enumerate(items):
        if STAGES.index(item["stage"]) <= rank:
            at = index + 1
    items.insert(at, new)


def _swapped(item: dict, rung, conflict: Conflict) -> dict:
    """The easier rung in the item's place: the rung's own stage and default dosage."""
    note = f"Swapped from {conflict.name}: {conflict.held.reason}"
    if rung.side_bias:
        side = f"{rung.side_bias}_bias"
    else:
        side = "each" if rung.laterality == "unilateral" else "both"
    return {
        "kind": "exercise",
        "exercise_id": rung.id,
        "stage": rung.stage,
        "side": side,
        "group": item.get("group"),
        "notes": f"{item['notes']} {note}".strip() if item.get("notes") else note,
    }


def held_in_sessions(actor: Actor, session_ids: list[int], today: date) -> dict[int, list]:
    """For the schedule: each session's items that the rules hold back today, as
    ``{item_id, rule, reason}``; the sessions must be the caller's and still ahead."""
    if not session_ids:
        return {}
    guard = guard_for(actor, actor.id, today)
    if guard.clear:
        return {}
    held: dict[int, list] = defaultdict(list)
    rows = db.session.execute(
        sa.select(
            ProgramItem.session_id,
            ProgramItem.id,
            ProgramItem.kind,
            ProgramItem.run,
            *(column.label(f"exercise_{column.key}") for column in _TYPING),
        )
        .outerjoin(Exercise, Exercise.id == ProgramItem.exercise_id)
        .where(through(ProgramItem.session_id, session_ids))
        .order_by(ProgramItem.session_id, ProgramItem.position)
    )
    for row in rows:
        exercise = _ExerciseRow(row) if row.exercise_id is not None else None
        work = _item_work(row.kind, row.run, exercise)
        holding = guard.hold(work) if work is not None else None
        if holding is not None:
            held[row.session_id].append({"item_id": row.id, **holding.as_dict()})
    return held
