"""Time helpers: the service stores and speaks UTC."""

from datetime import UTC, date, datetime, timedelta
from typing import overload
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    return datetime.now(UTC)


@overload
def as_utc(value: datetime) -> datetime: ...
@overload
def as_utc(value: None) -> None: ...
def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every stored timestamp is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def iso_z(value: datetime | None) -> str | None:
    """A timestamp as the API writes it: ISO 8601 in UTC with a ``Z``."""
    if value is None:
        return None
    return as_utc(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def local_today(timezone: str, now: datetime | None = None):
    """The calendar date it is now for someone in ``timezone`` (an IANA name)."""
    return (now or utcnow()).astimezone(ZoneInfo(timezone)).date()


def week_start(on: date) -> date:
    """The Monday of the week ``on`` falls in: a week, for training load and adherence
    alike, runs Monday to Sunday."""
    return on - timedelta(days=on.weekday())


# How many days a client's reads (adherence, trends, load) cover when not told.
DEFAULT_DAYS = 90


def window(start: date | None, end: date | None, today: date) -> tuple[date, date]:
    """The dates a read covers: ``end`` defaults to ``today``, ``start`` to
    ``DEFAULT_DAYS`` days ending at ``end``."""
    end = end or today
    return start or end - timedelta(days=DEFAULT_DAYS - 1), end
