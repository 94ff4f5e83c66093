"""Calendar feeds: making, rotating and revoking the secret address, and the .ics."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from academy.auth.models import User
from academy.calendar.models import CalendarFeed
from academy.common.auth import Actor, digest, new_secret
from academy.common.tenancy import by_credential, scoped
from academy.common.time import local_today, utcnow
from academy.errors import NotFound
from academy.extensions import db
from academy.schedule.service import sessions_between

WEEKS_BACK, WEEKS_AHEAD = 4, 12


def issue(actor: Actor) -> str:
    """A new secret for the caller's feed; the old address stops working."""
    feed = db.session.scalar(scoped(CalendarFeed, actor))
    token = new_secret()
    if feed is None:
        feed = CalendarFeed(academy_id=actor.academy_id, client_id=actor.id)
        db.session.add(feed)
    feed.token_hash, feed.created_at = digest(token), utcnow()
    db.session.flush()
    return token


def revoke(actor: Actor) -> None:
    feed = db.session.scalar(scoped(CalendarFeed, actor))
    if feed is not None:
        db.session.delete(feed)
        db.session.flush()


def calendar(token: str, now: datetime | None = None) -> bytes:
    """The .ics of the client whose feed ``token`` opens: one all-day event per session
    from 4 weeks back to 12 weeks ahead of their today, each with a UID that stays the
    same for the session (its assignment, week and day) whatever edits come.

    The same schedule on the same day gives the same bytes, so that the feed's ETag
    tells a calendar app whether anything changed: each event's DTSTAMP is the start of
    the client's day (what the feed says holds as of that day: the window and the
    sessions' statuses move with it), not the moment it was asked for."""
    feed = db.session.scalar(by_credential(CalendarFeed, CalendarFeed.token_hash, digest(token)))
    client = feed and db.session.get(User, feed.client_id)
    if client is None or client.status != "active":
        raise NotFound("No such calendar.")
    today = local_today(client.timezone, now)
    start, end = today - timedelta(weeks=WEEKS_BACK), today + timedelta(weeks=WEEKS_AHEAD)
    document = Calendar()
    document.add("prodid", "-//Academy//Training calendar//EN")
    document.add("version", "2.0")
    document.add("x-wr-calname", "Training")
    stamp = datetime.combine(today, time.min, ZoneInfo(client.timezone)).astimezone(UTC)
    for entry in sessions_between(client, start, end, today):
        event = Event()
        event.add(
            "uid",
            f"assignment-{entry['assignment_id']}-week-{entry['week']}-day-{entry['day']}@academy",
        )
        event.add("dtstamp", stamp)
        event.add("dtstart", entry["date"])
        event.add("dtend", entry["date"] + timedelta(days=1))
        event.add("summary", entry["title"] or entry["program_name"])
        event.add("description", _description(entry))
        document.add_component(event)
    return document.to_ical()


def _description(entry: dict) -> str:
    lines = [f"{entry['program_name']}, week {entry['week']} day {entry['day']}."]
    if entry["planned_distance_m"]:
        lines.append(f"Run: {entry['planned_distance_m'] / 1000:.1f} km planned.")
    if entry["planned_duration_seconds"]:
        lines.append(f"About {round(entry['planned_duration_seconds'] / 60)} minutes of running.")
    lines.append(f"{entry['item_count']} item(s); status: {entry['status']}.")
    return "\n".join(lines)
