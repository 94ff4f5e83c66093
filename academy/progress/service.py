"""What the coach reads of a client's progress: adherence, left/right trends, the
dashboard and the figures of the client list.

Definitions (also in the API docs):
- A session is *scheduled* on its date (``academy.programs.dates``) of an assignment
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
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_smorest.pagination import PaginationParameters

from academy.activities import service as activities
from academy.assessments.models import Assessment
from academy.auth.models import User
from academy.checkins import load, summaries
from academy.checkins.models import CheckIn, CheckInRating, ClientSummary
from academy.checkins.service import EARLY_DAYS
from academy.checkins.summaries import (
    PAIN_ALERT,
    WINDOWS,
    dropping,
    quiet,
)
from academy.checkins.summaries import rate as _rate
from academy.clients.models import Client
from academy.common import figures
from academy.common.auth import Actor
from academy.common.figures import ClientFigures
from academy.common.pagination import paginate
from academy.common.tenancy import get_scoped, scoped, through
from academy.common.time import local_today, week_start, window
from academy.extensions import db
from academy.guard import service as guard
from academy.messages import service as messages
from academy.programs.dates import session_date_sql
from academy.programs.models import Assignment, ProgramSession

# How far back the dashboard reads ratings: the 7 days up to each client's today,
# which lies within a day of UTC's.
PAIN_DAYS = 8


# A scheduled session: (client_id, on, assignment_id, week, day, done).
Scheduled = sa.Row[int, date, int, int, int, bool]


def _scheduled(
    client_ids: list[int], until: date, *, since: date | None = None
) -> Sequence[Scheduled]:
    """(client_id, on, assignment_id, week, day, done) of the scheduled sessions dated up
    to ``until`` (and from ``since``) of clients found in scope, oldest first, each with
    whether a completed check-in names it (any version of it, so edits after the fact do
    not undo it). One statement, read through the clients' ids so that the planner takes
    their own indexes whatever the academy's size.

    Without ``since``, from the very first one: the current streak may reach back
    further than the range asked for, and must not change with it.
    """
    on = session_date_sql(Assignment.start_date, ProgramSession.week, ProgramSession.day)
    done = (
        sa.select(CheckIn.assignment_id, ProgramSession.week, ProgramSession.day)
        .join(ProgramSession, ProgramSession.id == CheckIn.session_id)
        .where(through(CheckIn.client_id, client_ids), CheckIn.completed.is_(True))
    )
    sessions = summaries.counted_sessions(client_ids).where(on <= until)
    if since is not None:
        # A check-in is dated at most EARLY_DAYS before its session: older ones name
        # none of the range's sessions.
        done = done.where(CheckIn.date >= since - timedelta(days=EARLY_DAYS))
        sessions = sessions.where(on >= since)
    completed = done.distinct().subquery()
    return db.session.execute(
        sessions.add_columns(completed.c.assignment_id.is_not(None))
        .outerjoin(
            completed,
            sa.and_(
                completed.c.assignment_id == Assignment.id,
                completed.c.week == ProgramSession.week,
                completed.c.day == ProgramSession.day,
            ),
        )
        .order_by(on)
    ).all()


def _counted(rows: Sequence[Scheduled], today: date) -> list[tuple[date, bool]]:
    """(date, completed) of the sessions that count: a session counts once its day has
    passed in the client's timezone, or earlier once it is done."""
    return [(on, done) for _, on, _, _, _, done in rows if on < today or done]


def compliance(counted: list[tuple[date, bool]], today: date, days: int) -> dict:
    """Compliance over ``days``: the rate of the counted sessions dated in the ``days``
    days up to and including the client's today. The one definition, used by adherence
    and the dashboard alike."""
    first = today - timedelta(days=days - 1)
    inside = [done for on, done in counted if first <= on <= today]
    return {"days": days, "scheduled": len(inside), "completed": sum(inside),
            "rate": _rate(sum(inside), len(inside))}  # fmt: skip


def adherence(actor: Actor, client_id: int, start: date | None, end: date | None) -> dict:
    client = get_scoped(Client, client_id, actor, what="client")
    today = local_today(client.timezone)
    start, end = window(start, end, today)
    counted = _counted(_scheduled([client_id], max(end, today)), today)

    in_range = [(on, ok) for on, ok in counted if start <= on <= end]
    weeks: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for on, ok in in_range:
        tally = weeks[week_start(on)]
        tally[0] += 1
        tally[1] += ok
    streak = 0
    for _, ok in sorted(counted, reverse=True):
        if not ok:
            break
        streak += 1
    last = db.session.scalar(
        sa.select(sa.func.max(CheckIn.date)).where(through(CheckIn.client_id, [client_id]))
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
        "compliance": {f"{days}d": compliance(counted, today, days) for days in WINDOWS},
        "last_check_in": last,
    }


def trends(
    actor: Actor, client_id: int, regions: list[str] | None, start: date | None, end: date | None
) -> dict:
    """Tightness and pain per region and side by day, and left minus right."""
    client = get_scoped(Client, client_id, actor, what="client")
    start, end = window(start, end, local_today(client.timezone))
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
    for region, on, side, tightness, pain in db.session.execute(stmt).tuples():
        series = by_region.setdefault(region, {"left": {}, "right": {}, "both": {}})
        series[side][on] = (_round(tightness), _round(pain))
    answer = []
    for region, series in by_region.items():
        entry: dict[str, Any] = {"region": region}
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
    return {
        "client_id": client_id,
        "from_": start,
        "to": end,
        "regions": answer,
        "cadence": _cadence(actor, client_id, start, end),
    }


def _cadence(actor: Actor, client_id: int, start: date, end: date) -> dict:
    """Cadence as the watch measured it on each run, next to the gait cadence the coach
    assessed: two statements."""
    gait = db.session.execute(
        scoped(Assessment, actor, Assessment.assessed_on, Assessment.id,
               Assessment.gait_cadence_spm)
        .where(
            Assessment.client_id == client_id,
            Assessment.archived_at.is_(None),
            Assessment.assessed_on.between(start, end),
            Assessment.gait_cadence_spm.is_not(None),
        )
        .order_by(Assessment.assessed_on, Assessment.id)
    )  # fmt: skip
    return {
        "activities": activities.cadence_by_day(actor, client_id, start, end),
        "assessments": [
            {"date": on, "assessment_id": i, "cadence_spm": spm} for on, i, spm in gait
        ],
    }


def _round(value: float | Decimal | None) -> float | None:
    return None if value is None else round(float(value), 2)


def _minus(left: float | None, right: float | None) -> float | None:
    return None if left is None or right is None else round(left - right, 2)


def _todays(actor: Actor) -> dict[str, date]:
    """The today of each timezone the academy's active clients live in: one statement."""
    zones = db.session.scalars(
        scoped(Client, actor, User.timezone)
        .select_from(Client)
        .join(User, User.id == Client.id)
        .where(Client.status == "active")
        .distinct()
    )
    return {zone: local_today(zone) for zone in zones}


def dashboard(actor: Actor, pagination_parameters: PaginationParameters) -> list[dict]:
    """One page of the active clients who need attention, by name, each with every
    reason that applies. Every rule reads the client's own calendar: their today in
    their timezone.

    Who needs attention is read from the clients' summaries (``summaries``), one
    character each for their today; the plan's guard is asked about the clients whose
    only possible reason is a plan conflict. The reasons are then worked out for the
    page's clients alone: a fixed number of statements, and work for the page rather
    than for the academy.
    """
    today = summaries.today_of(User.timezone, _todays(actor))
    day = summaries.attention_on(today)
    active = (
        scoped(Client, actor, Client.id, User.name, User.timezone, ClientSummary.last_check_in)
        .select_from(Client)
        .join(User, User.id == Client.id)
        .outerjoin(ClientSummary, ClientSummary.client_id == Client.id)
        .where(Client.status == "active")
    )
    # One statement over the academy's unread messages.
    unread = messages.unread_by_client(actor)
    plan_only = db.session.execute(
        active.with_only_columns(Client.id, User.timezone).where(
            day == str(summaries.PLAN), Client.id.not_in(list(unread))
        )
    ).all()
    held = guard.conflict_counts(
        actor, {client_id: local_today(zone) for client_id, zone in plan_only}
    )
    flagged = sa.or_(
        day.in_((str(summaries.REASON), summaries.UNKNOWN)),
        Client.id.in_([*unread, *(client_id for client_id, n in held.items() if n)]),
    )
    page = paginate(
        active.where(flagged).order_by(sa.func.lower(User.name), Client.id),
        pagination_parameters,
        rows=True,
    )
    return _attention(actor, page, unread, held)


def _attention(
    actor: Actor, page: Sequence[sa.Row[int, str, str, date | None]], unread: dict, held: dict
) -> list:
    """The dashboard's entries of the page's clients ((id, name, timezone, last
    check-in) each), with the unread counts and the conflicts already found."""
    ids = [row[0] for row in page]
    if not ids:
        return []
    today_of = {client_id: local_today(timezone) for client_id, _, timezone, _ in page}
    # Every client's today lies within a day of UTC's: read from the earliest window's
    # start to the latest today, and let each client's calendar pick its own.
    utc_today = local_today("UTC")
    sessions: dict[int, list] = defaultdict(list)
    since = utc_today - timedelta(days=max(WINDOWS[:2]))
    for row in _scheduled(ids, utc_today + timedelta(days=1), since=since):
        sessions[row[0]].append(row)
    pain: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for client_id, on, worst in db.session.execute(
        sa.select(CheckInRating.client_id, CheckInRating.date, sa.func.max(CheckInRating.pain))
        .where(
            through(CheckInRating.client_id, ids),
            CheckInRating.date >= utc_today - timedelta(days=PAIN_DAYS),
            CheckInRating.pain >= PAIN_ALERT,
        )
        .group_by(CheckInRating.client_id, CheckInRating.date)
    ):
        if worst is not None:  # the worst of ratings that all have a pain
            pain[client_id].append((on, worst))
    daily: dict[int, list] = defaultdict(list)
    since = load.since_for_dashboard(utc_today)
    for row in db.session.execute(load.clients_daily(ids, since, utc_today + timedelta(days=1))):
        daily[row[0]].append(list(row[1:]))
    held = {**held, **guard.conflict_counts(actor, {i: today_of[i] for i in ids if i not in held})}

    answer = []
    for client_id, name, _, last in page:
        today = today_of[client_id]
        reasons = _reasons(today, _counted(sessions[client_id], today), pain[client_id], last)
        reasons.extend(load.attention(daily[client_id], today))
        if held.get(client_id):
            reasons.append({
                "code": "plan_conflicts",
                "detail": f"{held[client_id]} item(s) ahead held back by the safety rules "
                f"(GET /clients/{client_id}/plan-conflicts).",
                "count": held[client_id],
            })  # fmt: skip
        if unread.get(client_id):
            reasons.append({
                "code": "unread_messages",
                "detail": f"{unread[client_id]} unread message(s) from the client.",
                "count": unread[client_id],
            })  # fmt: skip
        for reason in reasons:
            reason.setdefault("count", None)
        # Every client of the page has a reason, unless the clock was put back past what
        # their summary knows.
        if reasons:
            answer.append({
                "client_id": client_id,
                "name": name,
                "reasons": reasons,
                "unread_messages": unread.get(client_id, 0),
            })  # fmt: skip
    return answer


def _reasons(
    today: date, counted: list[tuple[date, bool]], pain: list[tuple[date, int]], last: date | None
) -> list:
    reasons = []
    seven, thirty = (compliance(counted, today, days) for days in WINDOWS[:2])
    if dropping(seven["scheduled"], seven["completed"], thirty["scheduled"], thirty["completed"]):
        reasons.append({
            "code": "compliance_dropping",
            "detail": f"7-day compliance {seven['rate']:.0%} against {thirty['rate']:.0%}"
            " over 30 days.",
        })  # fmt: skip
    recent = [worst for on, worst in pain if today - timedelta(days=6) <= on <= today]
    if recent:
        reasons.append(
            {
                "code": "pain_reported",
                "detail": f"Pain of {max(recent)}/10 reported in the last 7 days.",
            }
        )
    if quiet(last, today):
        when = f"since {last.isoformat()}" if last else "yet"
        reasons.append({"code": "no_recent_check_in", "detail": f"No check-in {when}."})
    return reasons


@figures.client_figures.provide
def client_figures(actor: Actor, client_ids: list[int]) -> dict[int, ClientFigures]:
    """Each client's last check-in, 7-day compliance rate (in their own calendar) and
    unread messages, for the coach's client list: a fixed number of statements, whatever
    the number of clients."""
    if not client_ids:
        return {}
    clients = db.session.execute(
        scoped(Client, actor, Client.id, User.timezone, ClientSummary.last_check_in)
        .join(User, User.id == Client.id)
        .outerjoin(ClientSummary, ClientSummary.client_id == Client.id)
        .where(Client.id.in_(client_ids))
    ).all()
    utc_today = local_today("UTC")
    sessions: dict[int, list] = defaultdict(list)
    since = utc_today - timedelta(days=WINDOWS[0])
    for row in _scheduled(client_ids, utc_today + timedelta(days=1), since=since):
        sessions[row[0]].append(row)
    unread = messages.unread_by_client(actor, client_ids)
    answer: dict[int, ClientFigures] = {}
    for client_id, timezone, last in clients:
        today = local_today(timezone)
        seven = compliance(_counted(sessions[client_id], today), today, WINDOWS[0])
        answer[client_id] = {
            "last_check_in": last,
            "compliance_7d": seven["rate"],
            "unread_messages": unread.get(client_id, 0),
        }
    return answer


@figures.order_clients.provide
def sort_clients(actor: Actor, stmt: sa.Select, field: str, descending: bool) -> sa.Select:
    """``stmt`` (the academy's clients, their user joined) ordered by a figure of the
    client list, ``last_check_in`` or ``compliance_7d``, from the clients' summaries:
    those with one first, by it, then by name; the rest after them, by name. One
    statement more for ``compliance_7d`` (the timezones' todays)."""
    value: sa.SQLColumnExpression[Any]
    if field == "last_check_in":
        value = ClientSummary.last_check_in
    else:
        zones = db.session.scalars(stmt.with_only_columns(User.timezone).distinct())
        value = summaries.compliance_on(
            summaries.today_of(User.timezone, {zone: local_today(zone) for zone in zones})
        )
    return stmt.outerjoin(ClientSummary, ClientSummary.client_id == Client.id).order_by(
        value.is_(None), value.desc() if descending else value, sa.func.lower(User.name), Client.id
    )
