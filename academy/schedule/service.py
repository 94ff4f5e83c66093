"""The client app's schedule: assignments with dated sessions, today, and the days ahead.

Each read issues a fixed number of statements whatever the program's size: the
assignment(s), the sessions with their items, and the sessions already done.
"""

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from academy.checkins.service import done_sessions
from academy.common.auth import Actor
from academy.common.tenancy import client_scope, scoped, scoped_to_client, through
from academy.common.time import local_today
from academy.errors import NotFound
from academy.extensions import db
from academy.guard.service import held_in_sessions, mark_held
from academy.programs import dates, documents
from academy.programs.models import Assignment, Program, ProgramItem, ProgramSession
from academy.programs.schemas import ClientItemSchema

# Assignments whose sessions appear on the client's schedule.
SCHEDULED_STATUSES = ("active", "paused")


def my_assignments(actor: Actor, updated_since: datetime | None = None) -> sa.Select:
    """The caller's assignments, newest start first; with ``updated_since``, those whose
    assignment or program (the coach's tailoring) changed since."""
    stmt = scoped(Assignment, actor)
    if updated_since is not None:
        program_changed = (
            sa.select(Program.id)
            .where(Program.id == Assignment.program_id, Program.updated_at >= updated_since)
            .exists()
        )
        stmt = stmt.where(sa.or_(Assignment.updated_at >= updated_since, program_changed))
    return stmt.order_by(Assignment.start_date.desc(), Assignment.id.desc())


def _dated(session: dict, assignment, today: date, done: set) -> dict:
    """``session`` with its date and status; ``assignment`` is a row or an Assignment
    (anything with ``id`` and ``start_date``)."""
    on = dates.session_date(assignment.start_date, session["week"], session["day"])
    is_done = (assignment.id, session["week"], session["day"]) in done
    return {**session, "date": on, "status": documents.session_status(on, today, is_done)}


# Built once, as the client app's heaviest read needs it: each request only binds the
# caller and the id, and SQLAlchemy skips building the statement and finding it again in
# its compiled cache.
_ASSIGNMENT = (
    scoped_to_client(
        Assignment,
        Assignment.id,
        Assignment.start_date,
        Assignment.status,
        Assignment.notes,
        Assignment.program_id,
        Program.name,
        Program.weeks,
    )
    .join(Program, Program.id == Assignment.program_id)
    .where(Assignment.id == sa.bindparam("assignment_id"))
)


def assignment_view(actor: Actor, assignment_id: int, now: datetime | None = None) -> dict:
    """The whole assigned program, each session with its date and status."""
    parameters = {**client_scope(actor), "assignment_id": assignment_id}
    assignment = db.session.connection().execute(_ASSIGNMENT, parameters).first()
    if assignment is None:
        raise NotFound(f"No assignment {assignment_id} of yours.")
    today = local_today(actor.timezone, now)
    typing: dict[int, tuple] = {}
    sessions = documents.sessions_by_program([assignment.program_id], ClientItemSchema, typing).get(
        assignment.program_id, []
    )
    done = done_sessions([assignment.id])
    dated = [_dated(s, assignment, today, done) for s in sessions]
    mark_held(actor, dated, today, typing)
    return {
        "id": assignment.id,
        "start_date": assignment.start_date,
        "end_date": dates.last_day(assignment.start_date, assignment.weeks),
        "status": assignment.status,
        "notes": assignment.notes,
        "today": today,
        "program": {
            "id": assignment.program_id,
            "name": assignment.name,
            "weeks": assignment.weeks,
        },
        "sessions": dated,
    }


def due_on(actor: Actor, on: date) -> dict[tuple[int, int, int], Assignment]:
    """The client's active assignments with a session slot on ``on``, by (program,
    week, day): what ``documents.sessions_due`` reads."""
    due = {}
    for assignment in db.session.scalars(
        scoped(Assignment, actor).where(Assignment.status == "active")
    ):
        slot = dates.week_and_day(assignment.start_date, on, assignment.program.weeks)
        if slot:
            due[(assignment.program_id, *slot)] = assignment
    return due


def today_view(actor: Actor, on: date | None = None, now: datetime | None = None) -> dict:
    """The sessions due on ``on`` (default: today in the client's timezone)."""
    today = local_today(actor.timezone, now)
    on = on or today
    due = due_on(actor, on)
    sessions = []
    if due:
        typing: dict[int, tuple] = {}
        by_program = documents.sessions_due(due, typing=typing)
        done = done_sessions([a.id for a in due.values()])
        for program_id, program_sessions in by_program.items():
            for session in program_sessions:
                assignment = due[(program_id, session["week"], session["day"])]
                sessions.append(
                    {
                        "assignment_id": assignment.id,
                        "program_name": assignment.program.name,
                        **_dated(session, assignment, today, done),
                    }
                )
        mark_held(actor, sessions, today, typing)
    return {"date": on, "sessions": sessions}


def schedule_view(
    actor: Actor, start: date | None = None, end: date | None = None, now: datetime | None = None
) -> list[dict]:
    """Every session of the client's active and paused assignments between two dates
    (none when ``end`` is before ``start``). The work does not grow with the range:
    the client's sessions are read once and kept when they fall in it."""
    today = local_today(actor.timezone, now)
    start = start or today
    end = end or start + timedelta(days=6)
    entries = sessions_between(actor, start, end, today)
    ahead = [e["id"] for e in entries if e["date"] >= today]
    held = held_in_sessions(actor, ahead, today)
    for entry in entries:
        entry["held"] = held.get(entry["id"], [])
    return entries


def sessions_between(actor: Actor, start: date, end: date, today: date) -> list[dict]:
    """The sessions of the client's active and paused assignments dated from ``start`` to
    ``end``, each with its status on ``today``. Three statements, whatever the range."""
    assignments = {
        a.program_id: a
        for a in db.session.scalars(
            scoped(Assignment, actor).where(Assignment.status.in_(SCHEDULED_STATUSES))
        )
    }
    if not assignments:
        return []

    # A session's runs: their planned figures added up (null with no run, or one unknown).
    def planned(column):
        unknown = sa.func.count(ProgramItem.id).filter(ProgramItem.kind == "run", column.is_(None))
        return sa.case((unknown > 0, sa.null()), else_=sa.func.sum(column))

    # One pass over the sessions' items, grouped by session (its other columns follow
    # from its id), rather than three look-ups per session.
    sessions = (
        sa.select(
            ProgramSession.program_id,
            ProgramSession.id,
            ProgramSession.week,
            ProgramSession.day,
            ProgramSession.title,
            sa.func.count(ProgramItem.id),
            planned(ProgramItem.planned_distance_m),
            planned(ProgramItem.planned_duration_seconds),
        )
        .outerjoin(ProgramItem, ProgramItem.session_id == ProgramSession.id)
        .where(
            through(ProgramSession.program_id, assignments),
            ProgramSession.retired_at.is_(None),
        )
        .group_by(ProgramSession.id)
        .order_by(ProgramSession.program_id, ProgramSession.week, ProgramSession.day)
    )
    rows = db.session.connection().execute(sessions).tuples().all()
    done = done_sessions([a.id for a in assignments.values()])
    entries = []
    for program_id, session_id, week, day, title, count, metres, seconds in rows:
        assignment = assignments[program_id]
        on = dates.session_date(assignment.start_date, week, day)
        if not start <= on <= end:
            continue
        entries.append(
            {
                "date": on,
                "assignment_id": assignment.id,
                "program_name": assignment.program.name,
                "id": session_id,
                "week": week,
                "day": day,
                "title": title,
                "item_count": count,
                "planned_distance_m": metres,
                "planned_duration_seconds": seconds,
                "status": documents.session_status(on, today, (assignment.id, week, day) in done),
            }
        )
    entries.sort(key=lambda e: (e["date"], e["assignment_id"], e["id"]))
    return entries
