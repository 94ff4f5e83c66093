"""Training load from check-ins, as sports science defines it.

- *sRPE load* of a check-in = ``rpe * minutes`` (Foster), its minutes being its
  ``duration_minutes``, or its run's minutes when it has none; a check-in without an RPE
  or minutes adds no load. A day's load is the sum of its check-ins'.
- *Cross-training* (a ride, a swim, a strength session uploaded from a watch: a
  check-in that an activity of kind ``cross_training`` records) counts apart, as
  ``cross_training_load``: its minutes times its RPE, ``CROSS_TRAINING_RPE`` when the
  client gave none. It holds no running distance: a day's and a week's distance are
  running only, and so is the dashboard's ``distance_jump``.
- What describes the body's load whatever the sport reads the total of both: the
  ACWRs (and so the dashboard's ``load_spike``), monotony and strain. sRPE is a load,
  not a distance: an hour's hard ride loads the runner as an hour's hard run would.
- *Acute* load = the load of the 7 days up to and including ``as_of``; *chronic* = the
  load of the 28 days up to ``as_of`` ÷ 4; *rolling ACWR* = acute ÷ chronic (null when
  chronic is 0).
- *EWMA ACWR* (Williams et al. 2017): ``EWMA_t = λ·load_t + (1 - λ)·EWMA_{t-1}`` with
  ``λ = 2/(N+1)``, N = 7 (acute) and 28 (chronic), both starting from 0 on the day
  before the 84 days up to ``as_of`` (three chronic periods), so the figure never depends
  on the range asked for; ratio = acute ÷ chronic (null when chronic is 0).
- A *week* runs Monday to Sunday. *Monotony* (Foster) = mean ÷ population standard
  deviation of its 7 daily loads (null when they are all equal); *strain* = week load *
  monotony. *Distance change* = percentage change of the week's distance over the week
  before's (null when that week had none).

A read is one aggregate statement over the client's check-ins, whatever their number.
"""

from collections.abc import Iterable
from datetime import date, timedelta
from statistics import fmean, pstdev
from typing import Any

import sqlalchemy as sa

from academy.checkins.models import CheckIn
from academy.clients.models import Client
from academy.common.tenancy import get_scoped, through
from academy.common.time import local_today, week_start, window
from academy.extensions import db

ACUTE_DAYS, CHRONIC_DAYS = 7, 28
# Days the EWMAs run over before ``as_of``: three chronic periods.
EWMA_DAYS = 3 * CHRONIC_DAYS
MAX_DAYS = 366
SPIKE_ACWR = 1.5
JUMP_PCT, JUMP_MIN_KM = 30, 10

# The RPE of a cross-training check-in that has none: a moderate effort, as the client
# gave no word of it (the RPE a planned session without a target counts at, too).
CROSS_TRAINING_RPE = 5

_MINUTES = sa.func.coalesce(CheckIn.duration_minutes, CheckIn.run_duration_minutes)
# The activities uploaded from watches, kept by their own domain: a check-in that a
# cross-training activity records is cross-training.
_ACTIVITIES = sa.table("activities", sa.column("check_in_id"), sa.column("kind"))
_CROSS_TRAINING = sa.exists().where(
    _ACTIVITIES.c.check_in_id == CheckIn.id, _ACTIVITIES.c.kind == "cross_training"
)


def _sum(value) -> sa.ColumnElement:
    return sa.func.coalesce(sa.func.sum(value), 0)


_DAILY = (
    CheckIn.date,
    _sum(sa.case((_CROSS_TRAINING, None), else_=CheckIn.rpe * _MINUTES)),
    _sum(CheckIn.run_distance_km),
    _sum(sa.case((_CROSS_TRAINING, None), else_=_MINUTES)),
    _sum(
        sa.case(
            (_CROSS_TRAINING, sa.func.coalesce(CheckIn.rpe, CROSS_TRAINING_RPE) * _MINUTES),
            else_=None,
        )
    ),
    _sum(sa.case((_CROSS_TRAINING, _MINUTES), else_=None)),
)


def clients_daily(
    client_ids: list[int] | sa.BindParameter[Any],
    since: date | sa.BindParameter[date],
    until: date | None = None,
) -> sa.Select:
    """(client_id, date, load, distance km, minutes, cross-training load, cross-training
    minutes) per client and day, from ``since``
    (to ``until``), of clients found in scope: read through their ids, so the planner
    takes the (client, date) index whatever the academy's size."""
    stmt = (
        sa.select(CheckIn.client_id, *_DAILY)
        .where(through(CheckIn.client_id, client_ids), CheckIn.date >= since)
        .group_by(CheckIn.client_id, CheckIn.date)
    )
    return stmt if until is None else stmt.where(CheckIn.date <= until)


def _client_daily(client_id: int, since: date, until: date) -> sa.Select:
    """(date, load, distance km, minutes, cross-training load and minutes) per day of
    one client found in scope: read through their id, so the planner takes the
    (client, date) index whatever the academy's size."""
    return (
        sa.select(*_DAILY)
        .where(through(CheckIn.client_id, [client_id]), CheckIn.date.between(since, until))
        .group_by(CheckIn.date)
    )


def _days(start: date, end: date) -> Iterable[date]:
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset)


def reach(start: date, as_of: date) -> date:
    """The first day a load answer for ``start``..``as_of`` reads: the week before
    ``start``'s (for the distance change) or the EWMAs' first day, whichever is earlier."""
    return min(week_start(start) - timedelta(days=7), as_of - timedelta(days=EWMA_DAYS - 1))


def _ratio(acute: float, chronic: float) -> float | None:
    return round(acute / chronic, 4) if chronic else None


def _acute_chronic(loads: dict[date, float], as_of: date) -> tuple[float, float]:
    acute = sum(loads.get(as_of - timedelta(days=n), 0) for n in range(ACUTE_DAYS))
    chronic = sum(loads.get(as_of - timedelta(days=n), 0) for n in range(CHRONIC_DAYS)) / 4
    return acute, chronic


def acwr(loads: dict[date, float], as_of: date) -> dict:
    """Rolling and EWMA acute:chronic workload ratios on ``as_of``."""
    acute, chronic = _acute_chronic(loads, as_of)
    fast, slow = 2 / (ACUTE_DAYS + 1), 2 / (CHRONIC_DAYS + 1)
    ewma_acute = ewma_chronic = 0.0
    for on in _days(as_of - timedelta(days=EWMA_DAYS - 1), as_of):
        load = loads.get(on, 0)
        ewma_acute = fast * load + (1 - fast) * ewma_acute
        ewma_chronic = slow * load + (1 - slow) * ewma_chronic
    return {
        "as_of": as_of,
        "acute": round(acute, 2),
        "chronic": round(chronic, 2),
        "rolling": _ratio(acute, chronic),
        "ewma": _ratio(ewma_acute, ewma_chronic),
    }


def weeks(
    loads: dict[date, float],
    km: dict[date, float],
    start: date,
    end: date,
    cross: dict[date, float] | None = None,
) -> list[dict]:
    """The Monday-to-Sunday weeks that ``start``..``end`` touches, whole: ``loads`` and
    ``cross`` (cross-training) apart, monotony and strain of both together."""
    answer = []
    cross = cross or {}
    monday = week_start(start)
    before = sum(km.get(monday - timedelta(days=n), 0) for n in range(1, 8))
    while monday <= end:
        days = [monday + timedelta(days=n) for n in range(7)]
        daily = [loads.get(on, 0) for on in days]
        crossed = [cross.get(on, 0) for on in days]
        total = [a + b for a, b in zip(daily, crossed, strict=True)]
        distance = sum(km.get(on, 0) for on in days)
        deviation = pstdev(total)
        monotony = fmean(total) / deviation if deviation else None
        answer.append(
            {
                "week_start": monday,
                "load": round(sum(daily), 2),
                "cross_training_load": round(sum(crossed), 2),
                "distance_km": round(distance, 2),
                "distance_change_pct": (
                    round(100 * (distance - before) / before, 1) if before else None
                ),
                "monotony": None if monotony is None else round(monotony, 3),
                "strain": None if monotony is None else round(sum(total) * monotony, 1),
            }
        )
        before = distance
        monday += timedelta(days=7)
    return answer


def _by_day(rows) -> tuple[dict, ...]:
    """Loads, km, minutes, cross-training loads and minutes by day, from one client's
    rows of ``clients_daily``'s columns."""
    loads, km, minutes, cross, cross_minutes = {}, {}, {}, {}, {}
    for on, load, distance, spent, crossed, crossed_minutes in rows:
        loads[on], km[on], minutes[on] = float(load), float(distance), float(spent)
        cross[on], cross_minutes[on] = float(crossed), float(crossed_minutes)
    return loads, km, minutes, cross, cross_minutes


def _total(loads: dict, cross: dict) -> dict:
    return {on: loads.get(on, 0) + cross.get(on, 0) for on in loads.keys() | cross.keys()}


def figures(rows, start: date, end: date, as_of: date) -> dict:
    """The load answer from one client's rows of ``clients_daily``'s columns."""
    loads, km, minutes, cross, cross_minutes = _by_day(rows)
    return {
        "from_": start,
        "to": end,
        "days": [
            {
                "date": on,
                "srpe_load": round(loads.get(on, 0), 2),
                "cross_training_load": round(cross.get(on, 0), 2),
                "distance_km": round(km.get(on, 0), 2),
                "duration_minutes": round(minutes.get(on, 0), 2),
                "cross_training_minutes": round(cross_minutes.get(on, 0), 2),
            }
            for on in _days(start, end)
        ],
        "weeks": weeks(loads, km, start, end, cross) if start <= end else [],
        "acwr": acwr(_total(loads, cross), as_of),
    }


def read_load(actor, client_id: int, start: date | None, end: date | None) -> dict:
    """A client's load (a coach's client, or the calling client themself) by day and
    week from ``start`` (default: 89 days before ``end``) to ``end`` (default: their
    today); the ratios as of ``end``. Two statements."""
    client = get_scoped(Client, client_id, actor, what="client")
    start, end = window(start, end, local_today(client.timezone))
    # A longer range answers its last MAX_DAYS days (the answer's `from` says so): the
    # answer has a row per day, so its size is bounded here rather than refused.
    start = max(start, end - timedelta(days=MAX_DAYS - 1))
    return client_load(client_id, start, end)


def client_load(client_id: int, start: date, end: date) -> dict:
    """One client's load from ``start`` to ``end``; the ratios as of ``end``. One
    statement (the caller has found the client)."""
    rows = db.session.execute(_client_daily(client_id, reach(start, end), end))
    return {"client_id": client_id, **figures(rows, start, end, end)}


def attention(rows, today: date) -> list[dict]:
    """Dashboard reasons from one client's rows of ``clients_daily``'s columns covering
    the chronic window and the two weeks before this one: ``load_spike`` of the total
    load, ``distance_jump`` of running distance."""
    return attention_by_day(daily_totals(rows), today)


def daily_totals(rows) -> tuple[dict, dict]:
    """The total load (running and cross-training) and the running km by day, from one
    client's rows of ``clients_daily``'s columns: what ``attention_by_day`` reads."""
    loads, km, _, cross, _ = _by_day(rows)
    return _total(loads, cross), km


def attention_by_day(totals: tuple[dict, dict], today: date) -> list[dict]:
    """``attention`` from ``daily_totals``: a summary asks it of many days in turn."""
    total, km = totals
    reasons = []
    ratio = _ratio(*_acute_chronic(total, today))
    if ratio is not None and ratio > SPIKE_ACWR:
        reasons.append(
            {
                "code": "load_spike",
                "detail": f"Acute:chronic workload ratio {ratio:.2f} (above {SPIKE_ACWR}).",
            }
        )
    # This week so far and last week, each against the week before it (summed as
    # ``weeks`` sums them).
    last_monday = week_start(today) - timedelta(days=7)
    before_last = sum(km.get(last_monday - timedelta(days=n), 0) for n in range(1, 8))
    last = _week_km(km, last_monday)
    for monday, distance, before in (
        (last_monday + timedelta(days=7), _week_km(km, last_monday + timedelta(days=7)), last),
        (last_monday, last, before_last),
    ):
        change = round(100 * (distance - before) / before, 1) if before else None
        distance = round(distance, 2)
        if change is not None and change > JUMP_PCT and distance >= JUMP_MIN_KM:
            reasons.append(
                {
                    "code": "distance_jump",
                    "detail": f"{distance:g} km in the week of "
                    f"{monday.isoformat()}, {change:g}% over the week before.",
                }
            )
            break
    return reasons


def _week_km(km: dict[date, float], monday: date) -> float:
    """Running km of the Monday-to-Sunday week from ``monday``, summed as ``weeks`` does."""
    return sum(km.get(monday + timedelta(days=n), 0) for n in range(7))


def since_for_dashboard(utc_today: date) -> date:
    """The first day the dashboard reads load from: the chronic window of the earliest
    client's today (each within a day of UTC's), which reaches back further than the
    week before last week."""
    return utc_today - timedelta(days=CHRONIC_DAYS)
