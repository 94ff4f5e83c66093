"""Time helpers: the service stores and speaks UTC."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every stored timestamp is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def local_today(timezone: str, now: datetime | None = None):
    """The calendar date it is now for someone in ``timezone`` (an IANA name)."""
    from zoneinfo import ZoneInfo

    return (now or utcnow()).astimezone(ZoneInfo(timezone)).date()
