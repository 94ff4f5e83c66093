"""Each client's summary: what the dashboard and the coach's client list filter and sort
by, kept up to date as the client's data changes, so that a read does the work of the
page it answers rather than of the whole academy.

Every rule of the dashboard reads the client's own today and a window of days before it
(7 days of compliance against 30, 7 and 28 days of training load, the weeks of
distance, 7 days of pain, 7 days without a check-in). Between two writes only the date
moves, so a summary holds the answer for *each day*, from two weeks before the client's
today when it was written to the day after which nothing can change any more:

- ``attention``: a digit a day, of two bits. 1: a reason from the check-ins and the
  schedule holds that day (``no_recent_check_in``, ``pain_reported``,
  ``compliance_dropping``, ``load_spike``, ``distance_jump``). 2: the plan's safety
  rules may hold something back that day: the client has sessions ahead in an active
  assignment, and an assessment, or (without one) check-in pain the rules act on. Only
  the guard can tell what they hold back of the sessions ahead, so the dashboard asks it
  about these clients alone.
- ``compliance_7d``: five characters a day, the 7-day compliance rate in
  ten-thousandths (``06667``), or ``-----`` when no session counts.

After the last day the strings cover, the client has gone 7 days without a check-in and
no session counts in any 7 days; before ``since``, nothing is known and a read treats
the client as needing a look. A client without a summary has never checked in and has no
schedule.

A summary is rewritten in the transaction of every write that changes what it reads: the
session notes the clients whose check-ins, ratings, assignments, program sessions or
assessments a flush touched (a write past the ORM says so with ``touch``), and just
before the commit their summaries are worked out again from the database, in six
statements however many clients were touched. ``rebuild`` does it for every client
(``flask academy rebuild-summaries``, and the migration that added the summaries).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate, chain
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from academy.assessments import safety
from academy.assessments.models import Assessment
from academy.assessments.safety import CHECK_IN_DAYS, SORE
from academy.auth.models import User
from academy.checkins import load
from academy.checkins.models import CheckIn, CheckInRating, ClientSummary
from academy.checkins.pain import worst_pain
from academy.clients.models import Client
from academy.common.sql import days_between
from academy.common.tenancy import ForIds, through
from academy.common.time import local_today
from academy.extensions import db
from academy.programs.dates import session_date_sql
from academy.programs.models import Assignment, ProgramSession

# --- the dashboard's rules --------------------------------------------------------------------

COUNTED_STATUSES = ("active", "completed")
WINDOWS = (7, 30, 90)
DROP_POINTS = 20
PAIN_ALERT = 7
QUIET_DAYS = 7


def dropping(s7: int, d7: int, s30: int, d30: int) -> bool:
    """7-day compliance (``d7`` of ``s7``) DROP_POINTS or more below the 30-day one.

    ``d30/s30 - d7/s7 >= DROP_POINTS/100``, multiplied out: in floats, 70% - 50% is
    19.999... points and a drop of exactly DROP_POINTS would go unreported."""
    return bool(s7 and s30 and 100 * (d30 * s7 - d7 * s30) >= DROP_POINTS * s7 * s30)


def quiet(last: date | None, today: date) -> bool:
    """No check-in for QUIET_DAYS days (or none yet)."""
    return last is None or last <= today - timedelta(days=QUIET_DAYS)


def rate(completed: int, counted: int) -> float | None:
    return round(completed / counted, 4) if counted else None


# --- what a summary says of a day ----------------------------------------------------------

# A summary starts this many days before the client's today when it was written: more than
# any change of timezone or clock moves a today back.
DAYS_BEFORE = 14
REASON, PLAN = 1, 2
# The character of a day before ``since``: nothing known, so a reason to look, and maybe
# the plan.
UNKNOWN = str(REASON | PLAN)
RATE_WIDTH = 5
NO_RATE = "-" * RATE_WIDTH
# What a summary reads before its first day: the 30 days of compliance, and the check-ins
# dated up to 3 days before the sessions they name (EARLY_DAYS of the check-ins' rules);
# the 28 days of chronic load, and the three weeks of distance change.
_SESSIONS_BEFORE = WINDOWS[1] - 1
_CHECK_INS_BEFORE = max(_SESSIONS_BEFORE + 3, load.CHRONIC_DAYS - 1, 3 * 7)


def today_of(
    timezone: sa.SQLColumnExpression[str], todays: dict[str, date]
) -> sa.ColumnElement[date]:
    """Each client's today, in SQL, from the today of each of the timezones found."""
    utc = sa.literal(local_today("UTC"), sa.Date)
    if not todays:
        return utc
    return sa.case({zone: sa.literal(on, sa.Date) for zone, on in todays.items()},
                   value=timezone, else_=utc)  # fmt: skip


def attention_on(today: sa.ColumnElement[date]) -> sa.ColumnElement[str]:
    """The summary's ``attention`` digit on ``today`` (read with ``ClientSummary`` outer
    joined): ``1`` past its end, and for a client without one (no check-in yet)."""
    offset = days_between(today, ClientSummary.since)
    return sa.case(
        (ClientSummary.since.is_(None), str(REASON)),
        (offset < 0, UNKNOWN),
        (offset >= sa.func.length(ClientSummary.attention), str(REASON)),
        else_=sa.func.substr(ClientSummary.attention, offset + 1, 1),
    )


def compliance_on(today: sa.ColumnElement[date]) -> sa.ColumnElement[int]:
    """The 7-day compliance rate on ``today`` in ten-thousandths, NULL when no session
    counts (or nothing is known)."""
    offset = days_between(today, ClientSummary.since)
    cell = sa.func.substr(ClientSummary.compliance_7d, RATE_WIDTH * offset + 1, RATE_WIDTH)
    return sa.case(
        (ClientSummary.since.is_(None), sa.null()),
        (offset < 0, sa.null()),
        (RATE_WIDTH * offset >= sa.func.length(ClientSummary.compliance_7d), sa.null()),
        else_=sa.cast(sa.func.nullif(cell, NO_RATE), sa.Integer),
    )


# --- kept on write ------------------------------------------------------------------------

_PENDING = "academy.summaries"
# Rows that name their client, and whose changes change the client's summary.
_OF_A_CLIENT = (CheckIn, CheckInRating, Assignment, Assessment)


def _pending(session: Session) -> dict[str, set[int]]:
    return session.info.setdefault(_PENDING, {"clients": set(), "programs": set()})


def touch(session: Session, client_id: int) -> None:
    """A write past the ORM changed what the client's summary reads."""
    _pending(session)["clients"].add(client_id)


def _after_flush(session: Session, _context) -> None:
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, _OF_A_CLIENT):
            _pending(session)["clients"].add(obj.client_id)
        elif isinstance(obj, ProgramSession):
            # A client's own program: its sessions date the client's schedule.
            _pending(session)["programs"].add(obj.program_id)


def _before_commit(session: Session) -> None:
    if not session.is_active:
        return
    session.flush()  # what is still pending, so that the summaries read it
    pending = session.info.pop(_PENDING, None)
    if pending and (pending["clients"] or pending["programs"]):
        refresh(session.connection(), pending["clients"], pending["programs"])


def _forget(session: Session, *_args) -> None:
    session.info.pop(_PENDING, None)


def init_app(_app) -> None:
    """Keep the summaries up to date as the session writes; attached once per process,
    as it holds no app state."""
    for name, listener in (
        ("after_flush", _after_flush),
        ("before_commit", _before_commit),
        ("after_commit", _forget),
        ("after_rollback", _forget),
    ):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)


def refresh(connection: sa.Connection, client_ids=(), program_ids=()) -> None:
    """Work out again the summaries of these clients, and of the clients whose schedule
    these programs date."""
    ids = set(client_ids)
    if program_ids:
        ids.update(
            connection.scalars(
                sa.select(Assignment.client_id).where(Assignment.program_id.in_(program_ids))
            )
        )
    if ids:
        _write(connection, compute(connection, sorted(ids)))


def rebuild(connection: sa.Connection, batch: int = 500, missing_only: bool = False) -> int:
    """Every client's summary (or only those of clients without one), worked out from
    scratch; answers how many."""
    stmt = sa.select(Client.id).order_by(Client.id)
    if missing_only:
        stmt = stmt.where(~sa.exists().where(ClientSummary.client_id == Client.id))
    ids = list(connection.scalars(stmt))
    for first in range(0, len(ids), batch):
        refresh(connection, ids[first : first + batch])
    return len(ids)


def _upsert(dialect) -> sa.Insert:
    insert = dialect.insert(ClientSummary.__table__)
    columns = [c.name for c in ClientSummary.__table__.columns if c.name != "client_id"]
    return insert.on_conflict_do_update(
        index_elements=["client_id"], set_={name: insert.excluded[name] for name in columns}
    )


# Built once for each database: every write of a client's data runs one (building it
# anew, and its cache key, cost a check-in's POST about 0.5 ms).
_UPSERT = {"postgresql": _upsert(postgresql), "sqlite": _upsert(sqlite)}


def _write(connection: sa.Connection, rows: list[dict]) -> None:
    if rows:
        connection.execute(_UPSERT[connection.dialect.name], rows)


# --- worked out ---------------------------------------------------------------------------


@dataclass
class _Client:
    """What one client's summary is worked out from."""

    today: date
    last: date | None
    assessed: bool
    daily: list[tuple] = field(default_factory=list)  # (date, load, km, minutes)
    ratings: list[tuple[str, str, int, date]] = field(default_factory=list)  # with a pain
    # (assignment, week, day) of the completed check-ins that name a session
    done: set[tuple[int | None, int, int]] = field(default_factory=set)
    sessions: list[tuple[date, tuple[int, int, int], bool]] = field(default_factory=list)


class _Reads(NamedTuple):
    """What a summary is worked out from, in as many statements, for the clients of
    the ``ids`` parameter and the days from ``since``."""

    lock: sa.Select[int]
    clients: sa.Select[int, str, date, bool]
    daily: sa.Select
    ratings: sa.Select[int, str, str, int | None, date]
    done: sa.Select[int, int | None, int, int]
    sessions: sa.Select[int, date, int, int, int, str]


def _reads(ids: sa.BindParameter[Any]) -> _Reads:
    """The reads for ``ids``: many clients' ids (expanding) or one client's id.

    On PostgreSQL the clients' rows are locked first, on their own: a statement that
    waited for a lock reads what it reads as it was before the wait, so the reads come
    after it. The lock is FOR NO KEY UPDATE: a row written that refers to the client (a
    check-in) holds FOR KEY SHARE on it, which FOR UPDATE would wait for, so two
    check-ins of one client at once would each wait for the other; this lock queues
    them instead. (SQLite writes one transaction at a time.)"""
    scheduled_on = session_date_sql(Assignment.start_date, ProgramSession.week, ProgramSession.day)
    return _Reads(
        lock=sa.select(Client.id)
        .where(through(Client.id, ids))
        .order_by(Client.id)
        .with_for_update(key_share=True),
        # The clients, with their last check-in and whether they have an assessment.
        clients=sa.select(
            Client.id,
            User.timezone,
            sa.select(sa.func.max(CheckIn.date))
            .where(CheckIn.client_id == Client.id)
            .scalar_subquery(),
            sa.select(Assessment.id)
            .where(Assessment.client_id == Client.id, Assessment.archived_at.is_(None))
            .exists(),
        )
        .join(User, User.id == Client.id)
        .where(through(Client.id, ids))
        .order_by(Client.id),
        daily=load.clients_daily(ids, _SINCE),
        ratings=worst_pain(ids, _SINCE),
        done=sa.select(
            CheckIn.client_id, CheckIn.assignment_id, ProgramSession.week, ProgramSession.day
        )
        .join(ProgramSession, ProgramSession.id == CheckIn.session_id)
        .where(through(CheckIn.client_id, ids), CheckIn.date >= _SINCE, CheckIn.completed.is_(True))
        .distinct(),
        sessions=counted_sessions(ids).add_columns(Assignment.status).where(scheduled_on >= _SINCE),
    )


def counted_sessions(ids: list[int] | sa.BindParameter[Any]) -> sa.Select[int, date, int, int, int]:
    """(client, date, assignment, week, day) of every session in force of the clients'
    counted assignments (``COUNTED_STATUSES``), read through the clients' ids (found in
    scope by the caller, or a parameter as ``tenancy.through`` takes it)."""
    on = session_date_sql(Assignment.start_date, ProgramSession.week, ProgramSession.day)
    return (
        sa.select(Assignment.client_id, on, Assignment.id, ProgramSession.week, ProgramSession.day)
        .join(ProgramSession, ProgramSession.program_id == Assignment.program_id)
        .where(
            through(Assignment.client_id, ids),
            Assignment.status.in_(COUNTED_STATUSES),
            ProgramSession.retired_at.is_(None),
        )
    )


_SINCE = sa.bindparam("since", type_=sa.Date)
# Built once: every write of a client's data runs them, most for one client (bound
# alone, that saves about 0.2 ms of a check-in's POST, in the database's write lock).
_READS = ForIds("ids", _reads)


def compute(connection: sa.Connection, client_ids: list[int]) -> list[dict]:
    """The summary rows of these clients: five statements, built once. Their client
    rows are locked first (PostgreSQL, a sixth), so that two transactions writing for one
    client summarise one after the other, the second seeing the first's rows."""
    reads, ids = _READS.pick(client_ids)
    if connection.dialect.name == "postgresql":
        connection.execute(reads.lock, {"ids": ids})
    clients = {
        client_id: _Client(local_today(timezone), latest, bool(has_assessment))
        for client_id, timezone, latest, has_assessment in connection.execute(
            reads.clients, {"ids": ids}
        )
    }
    if not clients:
        return []
    first = min(c.today for c in clients.values()) - timedelta(days=DAYS_BEFORE)
    reads, ids = _READS.pick(clients)  # those found
    check_ins = {"ids": ids, "since": first - timedelta(days=_CHECK_INS_BEFORE)}
    for row in connection.execute(reads.daily, check_ins):
        clients[row[0]].daily.append(tuple(row[1:]))
    for client_id, region, side, pain, on in connection.execute(reads.ratings, check_ins):
        clients[client_id].ratings.append((region, side, pain or 0, on))  # never NULL here
    for client_id, assignment_id, week, day in connection.execute(reads.done, check_ins):
        clients[client_id].done.add((assignment_id, week, day))
    sessions = {"ids": ids, "since": first - timedelta(days=_SESSIONS_BEFORE)}
    for client_id, scheduled, assignment_id, week, day, status in connection.execute(
        reads.sessions, sessions
    ):
        clients[client_id].sessions.append(
            (scheduled, (assignment_id, week, day), status == "active")
        )
    return [{"client_id": i, **summarise(c)} for i, c in clients.items()]


def summarise(client: _Client) -> dict:
    """A summary's columns from what was read of one client."""
    since = client.today - timedelta(days=DAYS_BEFORE)
    ends = [since]
    if client.last is not None:
        ends.append(client.last + timedelta(days=QUIET_DAYS - 1))
    if client.sessions:
        ends.append(max(on for on, _, _ in client.sessions) + timedelta(days=WINDOWS[0] - 1))
    until = max(ends)
    # Counts a day from ``base`` on, and their running sums.
    base = since - timedelta(days=_SESSIONS_BEFORE)
    length = (until - base).days + 1
    scheduled, done = [0] * length, [0] * length
    plan_until = None
    for on, key, active in client.sessions:
        index = (on - base).days
        if 0 <= index < length:
            scheduled[index] += 1
            done[index] += key in client.done
        if active and (plan_until is None or on > plan_until):
            plan_until = on
    scheduled_sum = [0, *accumulate(scheduled)]
    done_sum = [0, *accumulate(done)]

    def window(index: int, days: int) -> tuple[int, int]:
        """(counted, completed) over ``days`` days up to the day at ``index``: a session
        counts once its day has passed, or earlier once done."""
        start = index - days + 1
        counted = scheduled_sum[index] - scheduled_sum[start] + done[index]
        return counted, done_sum[index + 1] - done_sum[start]

    totals = load.daily_totals(client.daily)
    alerts = {on for _, _, pain, on in client.ratings if pain >= PAIN_ALERT}
    sore = {on for _, _, pain, on in client.ratings if pain >= SORE}
    attention, compliance = [], []
    for offset in range((until - since).days + 1):
        today = since + timedelta(days=offset)
        index = (today - base).days
        (s7, d7), (s30, d30) = window(index, WINDOWS[0]), window(index, WINDOWS[1])
        reason = (
            quiet(client.last, today)
            or dropping(s7, d7, s30, d30)
            or _within(alerts, today, 7)
            or bool(load.attention_by_day(totals, today))
        )
        plan = (
            plan_until is not None
            and plan_until >= today
            and (client.assessed or _held_by_ratings(client.ratings, sore, today))
        )
        attention.append(str(REASON * reason | PLAN * plan))
        figure = rate(d7, s7)
        compliance.append(NO_RATE if figure is None else f"{round(figure * 10_000):05d}")
    return {
        "last_check_in": client.last,
        "since": since,
        "attention": "".join(attention),
        "compliance_7d": "".join(compliance),
    }


def _held_by_ratings(ratings: list, sore: set[date], today: date) -> bool:
    """Whether the safety rules, read from the check-ins' pain alone (the client has no
    assessment), hold anything back ``today``. They hold nothing without a pain of SORE
    or more among the ratings that still count: most days are told by that alone. Only
    the ratings of the CHECK_IN_DAYS up to ``today`` count."""
    if not _within(sore, today, CHECK_IN_DAYS):
        return False
    first = today - timedelta(days=CHECK_IN_DAYS - 1)
    counting = [rating for rating in ratings if first <= rating[3] <= today]
    return not safety.Guard(safety.picture_of(None, today, (), counting)).clear


def _within(days_of_pain: set[date], today: date, days: int) -> bool:
    """One of ``days_of_pain`` among the ``days`` days up to ``today``."""
    return bool(days_of_pain) and any(
        today - timedelta(days=n) in days_of_pain for n in range(days)
    )
