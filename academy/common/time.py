"""Time helpers: the service stores and speaks UTC."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    return datetime.now(UTC)


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
