"""When an assignment's sessions fall: the one definition of a session's date, in
Python and in SQL.

Session (week, day) of an assignment falls ``7·(week - 1) + (day - 1)`` days after the
assignment's start date: week 1 is the seven days from the start date, whatever
weekday that is, and the assignment's last day is day 7 of its last week. The
schedule, check-ins, adherence, the dashboard's summaries and the plan's guard all
date sessions through this module.
"""

from datetime import date, timedelta
from typing import Any, overload

import sqlalchemy as sa

from academy.common.sql import date_add


@overload
def days_from_start(week: int, day: int) -> int: ...
@overload
def days_from_start(
    week: sa.SQLColumnExpression[int], day: sa.SQLColumnExpression[int]
) -> sa.ColumnElement[int]: ...
def days_from_start(week: Any, day: Any) -> Any:
    """How many days after the start date session (``week``, ``day``) falls. The same
    arithmetic serves numbers and SQL columns."""
    return 7 * (week - 1) + (day - 1)


def session_date(start: date, week: int, day: int) -> date:
    """The date of session (``week``, ``day``) of an assignment started on ``start``."""
    return start + timedelta(days=days_from_start(week, day))


def session_date_sql(
    start: sa.SQLColumnExpression[date],
    week: sa.SQLColumnExpression[int],
    day: sa.SQLColumnExpression[int],
) -> sa.ColumnElement[date]:
    """``session_date`` as a SQL expression over columns (an assignment's start date,
    its program's sessions' week and day)."""
    return date_add(start, days_from_start(week, day))


def last_day(start: date, weeks: int) -> date:
    """The last day of an assignment of ``weeks`` weeks started on ``start``."""
    return session_date(start, weeks, 7)


def week_and_day(start: date, on: date, weeks: int) -> tuple[int, int] | None:
    """The (week, day) of an assignment of ``weeks`` weeks started on ``start`` that
    falls on ``on``, if any: the inverse of ``session_date``."""
    offset = (on - start).days
    if not 0 <= offset <= days_from_start(weeks, 7):
        return None
    return offset // 7 + 1, offset % 7 + 1
