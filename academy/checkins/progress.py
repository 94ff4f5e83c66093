"""What the coach reads from check-ins: adherence, left/right trends and the dashboard.

Definitions (also in the API docs):
- A session is *scheduled* on ``start_date + 7*(week-1) + (day-1)`` of an assignment
  that is active or completed. Sessions of paused or cancelled assignments are not
  counted, so they never show as missed.
- A scheduled session *counts* once its day has passed in the client's timezone, or
  earlier if it is already done; it is *completed* when a check-in marked completed
  names it (any version of it, so edits after the fact do not undo it).
- *Rate* is completed ÷ counted (null when nothing counts). *Compliance* over N days
  is the rate of sessions dated in the N days up to and including today.
- The *current streak* is the number of counted sessions completed in a row, going
  back from the most recent one, as far as it reaches (not only within the range asked
  for).

Every read is a fixed number of aggregate statements, whatever the amount of history.
"""

from collections import defaultdict
from datetime import date, timedelta

import sqlalchemy as sa

from academy.auth.models import User
from academy.checkins.models import CheckIn, CheckInRating
from academy.clients.models import Client
from academy.common.sql import date_add
from academy.common.tenancy import get_scoped, scoped
from academy.common.time import local_today
from academy.extensions import db
from academy.programs.models import Assignment, ProgramSession
from academy.programs.schedule import done_sessions

COUNTED_STATUSES = ("active", "completed")
WINDOWS = (7, 30, 90)
DEFAULT_DAYS = 90
DROP_POINTS = 20
PAIN_ALERT = 7
QUIET_DAYS = 7


def _session_date():
    return date_add(Assignment.start_date, 7 * (ProgramSession.week - 1) + (ProgramSession.day - 1))


def _rate(completed: int, counted: int) -> float | None:
    return round(completed / counted, 4) if counted else None


def _scheduled(actor: User, client_id: int, until: date) -> list[tuple]:
    """(on, assignment_id, week, day) of the client's scheduled sessions up to ``until``.

    From the very first one: the current streak may reach back further than the range
    asked for, and must not change with it.
    """
    on = _session_date()
    return db.session.execute(
        scoped(Assignment, actor, on, Assignment.id, ProgramSession.week, ProgramSession.day)
        .join(ProgramSession, ProgramSession.program_id == Assignment.program_id)
        .where(
            Assignment.client_id == client_id,
            Assignment.status.in_(COUNTED_STATUSES),
            ProgramSession.retired_at.is_(None),
            on <= until,
        )
        .order_by(on)
    ).all()


def adherence(actor: User, client_id: int, start: date | None, end: date | None) -> dict:
    client = get_scoped(Client, client_id, actor, what="client")
    today = local_today(client.timezone)
    end = end or today
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    rows = _scheduled(actor, client_id, max(end, today))
    done = done_sessions(sorted({row[1] for row in rows}))
    counted = [
        (on, (assignment, week, day) in done)
        for on, assignment, week, day in rows
        if on < today or (assignment, week, day) in done
    ]

    in_range = [(on, ok) for on, ok in counted if start <= on <= end]
    weeks: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for on, ok in in_range:
        tally = weeks[on - timedelta(days=on.weekday())]
        tally[0] += 1
        tally[1] += ok
    streak = 0
    for _, ok in sorted(counted, reverse=True):
        if not ok:
            break
        streak += 1
    last = db.session.scalar(
        scoped(CheckIn, actor, sa.func.max(CheckIn.date)).where(CheckIn.client_id == client_id)
    )
    return {
        "client_id": client_id,
        "today": today,
        "from_": start,
        "to": end,
        "scheduled": len(in_range),
        "completed": sum(ok for _, ok in in_range),
        "rate": _rate(sum(ok for _, ok in in_range), len(in_range)),
        "weeks": [
            {"week_start": monday, "scheduled": n, "completed": k, "rate": _rate(k, n)}
            for monday, (n, k) in sorted(weeks.items())
        ],
        "current_streak": streak,
        "compliance": {f"{days}d": _window(counted, today, days) for days in WINDOWS},
        "last_check_in": last,
    }


def _window(counted: list[tuple[date, bool]], today: date, days: int) -> dict:
    first = today - timedelta(days=days - 1)
    inside = [ok for on, ok in counted if first <= on <= today]
    return {"days": days, "scheduled": len(inside), "completed": sum(inside),
            "rate": _rate(sum(inside), len(inside))}  # fmt: skip


def trends(actor: User, client_id: int, regions, start: date | None, end: date | None) -> dict:
    """Tightness and pain per region and side by day, and left minus right."""
    client = get_scoped(Client, client_id, actor, what="client")
    end = end or local_today(client.timezone)
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    stmt = (
        scoped(
            CheckInRating,
            actor,
            CheckInRating.region,
            CheckInRating.date,
            CheckInRating.side,
            sa.func.avg(CheckInRating.tightness),
            sa.func.avg(CheckInRating.pain),
        )
        .where(CheckInRating.client_id == client_id, CheckInRating.date.between(start, end))
        .group_by(CheckInRating.region, CheckInRating.date, CheckInRating.side)
        .order_by(CheckInRating.region, CheckInRating.date)
    )
    if regions:
        stmt = stmt.where(CheckInRating.region.in_(regions))
    by_region: dict[str, dict] = {}
    for region, on, side, tightness, pain in db.session.execute(stmt):
        series = by_region.setdefault(region, {"left": {}, "right": {}, "both": {}})
        series[side][on] = (_round(tightness), _round(pain))
    answer = []
    for region, series in by_region.items():
        entry = {"region": region}
        for side, points in series.items():
            entry[side] = [{"date": on, "tightness": t, "pain": p} for on, (t, p) in points.items()]
        entry["difference"] = [
            {
                "date": on,
                "tightness": _minus(left[0], series["right"][on][0]),
                "pain": _minus(left[1], series["right"][on][1]),
            }
            for on, left in series["left"].items()
            if on in series["right"]
        ]
        answer.append(entry)
    return {"client_id": client_id, "from_": start, "to": end, "regions": answer}


def _round(value) -> float | None:
    return None if value is None else round(float(value), 2)


def _minus(left: float | None, right: float | None) -> float | None:
    return None if left is None or right is None else round(left - right, 2)


def dashboard(actor: User) -> list[dict]:
    """Active clients who need attention, each with every reason that applies."""
    today = local_today(actor.timezone)
    reasons: dict[int, list[dict]] = defaultdict(list)

    for client_id, s7, d7, s30, d30 in _compliance_by_client(actor, today):
        # d30/s30 - d7/s7 >= DROP_POINTS/100, multiplied out: in floats, 70% - 50% is
        # 19.999... points and a drop of exactly DROP_POINTS would go unreported.
        if s7 and s30 and 100 * (d30 * s7 - d7 * s30) >= DROP_POINTS * s7 * s30:
            seven, thirty = _rate(d7, s7), _rate(d30, s30)
            reasons[client_id].append({
                "code": "compliance_dropping",
                "detail": f"7-day compliance {seven:.0%} against {thirty:.0%} over 30 days.",
            })  # fmt: skip

    pain = db.session.execute(
        scoped(CheckInRating, actor, CheckInRating.client_id, sa.func.max(CheckInRating.pain))
        .where(
            CheckInRating.date >= today - timedelta(days=6),
            CheckInRating.pain >= PAIN_ALERT,
        )
        .group_by(CheckInRating.client_id)
    )
    for client_id, worst in pain:
        reasons[client_id].append(
            {"code": "pain_reported", "detail": f"Pain of {worst}/10 reported in the last 7 days."}
        )

    last_check_in = (
        sa.select(sa.func.max(CheckIn.date)).where(CheckIn.client_id == Client.id).scalar_subquery()
    )
    clients = db.session.execute(
        scoped(Client, actor, Client.id, User.name, last_check_in)
        .join(User, User.id == Client.id)
        .where(Client.status == "active")
        .order_by(sa.func.lower(User.name), Client.id)
    ).all()
    quiet_since = today - timedelta(days=QUIET_DAYS)
    answer = []
    for client_id, name, last in clients:
        if last is None or last <= quiet_since:
            when = f"since {last.isoformat()}" if last else "yet"
            reasons[client_id].append(
                {"code": "no_recent_check_in", "detail": f"No check-in {when}."}
            )
        if reasons.get(client_id):
            answer.append({"client_id": client_id, "name": name, "reasons": reasons[client_id]})
    return answer


def _compliance_by_client(actor: User, today: date) -> list[tuple[int, int, int, int, int]]:
    """Each client's counted and completed sessions over 7 and 30 days, aggregated in the
    database: (client_id, counted 7, completed 7, counted 30, completed 30)."""
    on = _session_date()
    done = (
        sa.select(CheckIn.assignment_id, ProgramSession.week, ProgramSession.day)
        .join(ProgramSession, ProgramSession.id == CheckIn.session_id)
        .where(
            CheckIn.academy_id == actor.academy_id,
            CheckIn.completed.is_(True),
            CheckIn.date >= today - timedelta(days=29),
        )
        .distinct()
        .subquery()
    )
    is_done = done.c.assignment_id.is_not(None)
    recent = on >= today - timedelta(days=6)
    return db.session.execute(
        scoped(
            Assignment,
            actor,
            Assignment.client_id,
            sa.func.sum(sa.case((recent, 1), else_=0)),
            sa.func.sum(sa.case((sa.and_(recent, is_done), 1), else_=0)),
            sa.func.count(),
            sa.func.count(done.c.assignment_id),
        )
        .join(ProgramSession, ProgramSession.program_id == Assignment.program_id)
        .outerjoin(
            done,
            sa.and_(
                done.c.assignment_id == Assignment.id,
                done.c.week == ProgramSession.week,
                done.c.day == ProgramSession.day,
            ),
        )
        .where(
            Assignment.status.in_(COUNTED_STATUSES),
            ProgramSession.retired_at.is_(None),
            on.between(today - timedelta(days=29), today),
            sa.or_(on < today, is_done),
        )
        .group_by(Assignment.client_id)
    ).all()
