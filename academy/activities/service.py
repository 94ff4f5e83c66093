"""Activities: reading a watch's file, keeping it, and recording what it holds in
check-ins: a run in a check-in's run block (the day's run session's, when there is
one); cross-training (a ride, a swim, a strength session: any sport not a run) in a
check-in of its own, its minutes and RPE and no run, so that it counts in the load
apart from running (``academy.checkins.load``) and never as running distance.

A multisport file is one activity a leg, each recorded as a file of its one sport
would be. The client's RPE for an upload is the ``rpe`` sent with it, written on the
check-in the activity records where that has none; a cross-training check-in without
an RPE counts at ``academy.checkins.load.CROSS_TRAINING_RPE``.

An upload is read first, in parallel with any other (reading is the costly part, and
``academy.activities.intake`` bounds it); then a client's uploads are written one at a
time, so that what decides the answer (this file already kept, the same activity kept
from another file, the day's session already checked in) still holds when the
activity is written: concurrent uploads of one file keep one activity and answer it
to all.
"""

import base64
import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from academy.activities import parsing, storage
from academy.activities.models import Activity
from academy.activities.schemas import ActivitySchema
from academy.checkins import service as checkins
from academy.checkins.models import CheckIn
from academy.clients.models import Client
from academy.common.auth import Actor
from academy.common.tenancy import get_scoped, scoped, through
from academy.common.time import local_today
from academy.errors import Conflict, ContentTooLarge, Unprocessable
from academy.extensions import db
from academy.programs import documents
from academy.programs.models import ProgramSession
from academy.programs.schemas import ItemSchema
from academy.schedule import service as schedule

_ACTIVITY = ActivitySchema()
# The first day an activity may fall on (FIT's clock starts on the last day of 1989).
FIRST_DAY = date(1990, 1, 1)
# What no text column can hold, and no file name needs: control characters, surrogates.
_UNSTORABLE = re.compile("[\x00-\x1f\ud800-\udfff]")
# The same activity uploaded again from another file (another format, another export,
# a gzip of it): of the same sport, started within this long of one already kept...
SAME_START = timedelta(seconds=60)
# ...and as far, within this share of the further of the two.
SAME_DISTANCE = 0.03
# The most minutes a check-in records (its own bound).
MAX_CHECK_IN_MINUTES = 1440


def _read(file: FileStorage) -> bytes:
    limit = current_app.config["ACTIVITY_MAX_BYTES"]
    data = file.stream.read(limit + 1)
    if len(data) > limit:
        raise RequestEntityTooLarge(f"The file is over {limit // 2**20} MB.")
    return data


def _parsed(data: bytes) -> dict:
    try:
        return parsing.parse(data)
    except parsing.TooLarge as error:
        raise ContentTooLarge(
            "The file is larger than Academy reads.", errors={"file": [str(error)]}
        ) from error
    except parsing.UnreadableFile as error:
        raise Unprocessable("The file cannot be read.", errors={"file": [str(error)]}) from error


def upload(
    actor: Actor, file: FileStorage, check_in_id: int | None, rpe: int | None = None
) -> tuple[Activity, bool]:
    """The activity in ``file`` (the first of a multisport file's legs) and whether it
    is new: the same file again, or the same activities from another file, answer the
    activity kept the first time."""
    data = _read(file)
    digest = hashlib.sha256(data).hexdigest()
    known = _kept_file(actor, digest)
    if known is not None:
        return known, False
    parsed = _parsed(data)
    today = local_today(actor.timezone)
    days = [local_today(actor.timezone, leg["started_at"]) for leg in parsed["legs"]]
    if not all(FIRST_DAY <= on <= today for on in days):
        raise Unprocessable(
            "The file cannot be read.",
            errors={"file": ["The activity must start between 1990 and today in your timezone."]},
        )
    file_name = _UNSTORABLE.sub("", file.filename or "")[:255]
    sent = Sent(data, digest, file_name, parsed["format"], check_in_id, rpe)
    try:
        return _write(actor, sent, parsed["legs"], days)
    except Conflict:
        # The day's run session was checked in by hand between the look-up and the
        # insert (that insert's rollback undid this upload's writes): the look-up finds
        # it now, and it records the activity.
        return _write(actor, sent, parsed["legs"], days)


@dataclass(frozen=True, slots=True)
class Sent:
    """What an upload sent, beside the activities its file holds."""

    data: bytes
    digest: str
    file_name: str
    format: str
    check_in_id: int | None
    rpe: int | None


def _write(actor: Actor, sent: Sent, legs: list[dict], days: list[date]) -> tuple[Activity, bool]:
    _one_upload_at_a_time(actor)
    known = _kept_file(actor, sent.digest)
    if known is not None:
        return known, False
    key = f"activities/{actor.academy_id}/{actor.id}/{uuid.uuid4().hex}.{sent.format}"
    answer, created, named = None, False, sent.check_in_id
    for number, (leg, on) in enumerate(zip(legs, days, strict=True), start=1):
        kept = _kept_activity(actor, leg, on)
        if kept is not None:
            answer = answer or kept
            continue
        activity = new_activity(actor, leg, on, number, sent, key)
        activity.check_in_id = record(actor, activity, named, sent.rpe)
        named = None  # a named check-in records the file's first activity
        db.session.add(activity)
        if not created:
            # The answer is the first new activity; the file is kept once for all.
            answer, created = activity, True
            storage.save(db.session(), key, sent.data)
    db.session.flush()
    if created:
        db.session.expire(answer, ["legs"])
    assert answer is not None  # a file holds a leg at least, or it was refused
    return answer, created


def new_activity(actor: Actor, leg: dict, on: date, number: int, sent: Sent, key: str) -> Activity:
    """The activity of a file's leg ``number`` (from 1), its file kept under ``key``."""
    return Activity(
        academy_id=actor.academy_id,
        client_id=actor.id,
        date=on,
        leg=number,
        format=sent.format,
        content_hash=sent.digest,
        file_key=key,
        file_name=sent.file_name,
        file_size=len(sent.data),
        **leg,
    )


# A write that changes nothing (no column's on-update default runs): only its lock counts.
_TOUCH_CLIENT = sa.text("UPDATE clients SET id = id WHERE id = :client_id")
_ADVISORY_LOCK = sa.select(sa.func.pg_advisory_xact_lock(sa.bindparam("key", type_=sa.BigInteger)))


def _one_upload_at_a_time(actor: Actor) -> None:
    """Hold the client's uploads to one at a time until this transaction ends: on
    PostgreSQL an advisory lock of the client's; on SQLite the database's write lock,
    which a first write takes. A wait is bounded like any wait for a lock (503 past
    it)."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        digest = hashlib.sha256(f"activity-upload:{actor.id}".encode()).digest()
        connection.execute(_ADVISORY_LOCK, {"key": int.from_bytes(digest[:8], "big", signed=True)})
    else:
        connection.execute(_TOUCH_CLIENT, {"client_id": actor.id})


def _kept_file(actor: Actor, digest: str) -> Activity | None:
    """The first activity of the same file, kept before."""
    return db.session.scalar(
        scoped(Activity, actor).where(Activity.content_hash == digest).order_by(Activity.leg)
    )


def _kept_activity(actor: Actor, leg: dict, on: date) -> Activity | None:
    """An activity already kept that is this one: of the same sport, started within
    ``SAME_START`` of it, as far within ``SAME_DISTANCE``."""
    start, distance = leg["started_at"], leg["distance_m"]
    nearby = db.session.scalars(
        scoped(Activity, actor)
        .where(
            Activity.date.between(on - timedelta(days=1), on + timedelta(days=1)),
            Activity.started_at.between(start - SAME_START, start + SAME_START),
            Activity.sport == leg["sport"],
        )
        .order_by(Activity.id)
    )
    for activity in nearby:
        further = max(activity.distance_m, distance)
        if abs(activity.distance_m - distance) <= SAME_DISTANCE * further:
            return activity
    return None


def run_of(activity: Activity) -> dict:
    return {
        "distance_km": round(activity.distance_m / 1000, 2),
        "duration_minutes": round(activity.moving_seconds / 60, 1),
        "cadence_spm": activity.avg_cadence_spm,
    }


def minutes_of(activity: Activity) -> int:
    """The whole minutes a check-in records of a cross-training activity: its moving
    time (its duration where it records none)."""
    seconds = activity.moving_seconds or activity.duration_seconds
    return min(round(seconds / 60), MAX_CHECK_IN_MINUTES)


def _fill(check_in: CheckIn, activity: Activity, rpe: int | None) -> None:
    """Give a check-in what the activity holds where it has none of its own: a run's
    run block, a cross-training activity's minutes; and the upload's RPE (the
    check-in's ``updated_at`` and version move on with any change)."""
    if activity.kind == "run":
        values = checkins.run_columns(run_of(activity))
    else:
        values = {"duration_minutes": minutes_of(activity)}
    values["rpe"] = rpe
    for column, value in values.items():
        if getattr(check_in, column) is None and value is not None:
            setattr(check_in, column, value)


def record(actor: Actor, activity: Activity, check_in_id: int | None, rpe: int | None) -> int:
    """The check-in that records the activity: the one named; else, for a run, the
    day's run session's check-in while no other activity records it (the client
    checked the run in by hand, and this is its file); else a new one, for a run on
    that session if it has none yet. A second run on a session's day is one more
    check-in, so that its distance counts once, and no activity is refused for the
    session being taken. Cross-training never takes a run session: it is a check-in
    of its own, of its minutes and RPE."""
    if check_in_id is not None:
        check_in = db.session.scalar(scoped(CheckIn, actor).where(CheckIn.id == check_in_id))
        if check_in is None:
            raise Unprocessable(
                "The upload is not valid.", errors={"check_in_id": ["No such check-in of yours."]}
            )
        _fill(check_in, activity, rpe)
        return check_in.id
    body = {"date": activity.date, "completed": True}
    if rpe is not None:
        body["rpe"] = rpe
    if activity.kind != "run":
        return checkins.record_check_in(actor, body | {"duration_minutes": minutes_of(activity)})
    found = _run_session(actor, activity.date)
    if found is not None:
        assignment_id, session = found
        existing = db.session.scalar(
            scoped(CheckIn, actor)
            .join(ProgramSession, ProgramSession.id == CheckIn.session_id)
            .where(
                CheckIn.assignment_id == assignment_id,
                ProgramSession.week == session["week"],
                ProgramSession.day == session["day"],
            )
        )
        if existing is not None:
            if not _records_an_activity(existing.id):
                _fill(existing, activity, rpe)
                return existing.id
            found = None
    body["run"] = run_of(activity)
    if found is not None:
        body |= {"assignment_id": found[0], "session_id": found[1]["id"]}
    return checkins.record_check_in(actor, body)


def _records_an_activity(check_in_id: int) -> bool:
    """Whether an activity records the check-in (found in the caller's scope)."""
    return bool(
        db.session.scalar(
            sa.select(sa.exists().where(through(Activity.check_in_id, [check_in_id])))
        )
    )


def _run_session(actor: Actor, on: date) -> tuple[int, dict] | None:
    """(assignment id, session) of the first session due on ``on`` that has a run."""
    due = schedule.due_on(actor, on)
    if not due:
        return None
    for program_id, sessions in sorted(documents.sessions_due(due, ItemSchema).items()):
        for session in sessions:
            if any(item["kind"] == "run" for item in session["items"]):
                return due[(program_id, session["week"], session["day"])].id, session
    return None


def list_activities(
    actor: Actor, client_id: int | None = None, filters: dict | None = None
) -> sa.Select:
    """Activities newest first, of one sport or kind when ``filters`` say."""
    stmt = scoped(Activity, actor)
    if client_id is not None:
        get_scoped(Client, client_id, actor, what="client")
        stmt = stmt.where(Activity.client_id == client_id)
    for field in ("sport", "kind"):
        if filters and filters.get(field):
            stmt = stmt.where(getattr(Activity, field) == filters[field])
    return stmt.order_by(Activity.started_at.desc(), Activity.id.desc())


def cadence_by_day(actor: Actor, client_id: int, start: date, end: date) -> list[dict]:
    """The average cadence of each of a client's runs from ``start`` to ``end`` (the
    caller has found the client), for the trends: a ride's pedalling is no running
    cadence. One statement."""
    rows = db.session.execute(
        scoped(Activity, actor, Activity.date, Activity.id, Activity.avg_cadence_spm)
        .where(
            Activity.client_id == client_id,
            Activity.date.between(start, end),
            Activity.kind == "run",
            Activity.avg_cadence_spm.is_not(None),
        )
        .order_by(Activity.date, Activity.id)
    )
    return [{"date": on, "activity_id": i, "cadence_spm": spm} for on, i, spm in rows]


def get_activity(actor: Actor, activity_id: int) -> Activity:
    return get_scoped(Activity, activity_id, actor, what="activity")


def delete_activity(actor: Actor, activity_id: int) -> None:
    """The activity goes, and its file with the last of the file's legs; the check-in
    it made stays, as the client's record."""
    activity = get_activity(actor, activity_id)
    if all(leg.id == activity.id for leg in activity.legs):
        storage.remove_after_commit(db.session(), activity.file_key)
    db.session.delete(activity)
    db.session.flush()


def export(actor: Actor) -> list[dict]:
    """The caller's activities as answered, each with its original file."""
    answer = []
    for activity in db.session.scalars(scoped(Activity, actor).order_by(Activity.started_at)):
        content = storage.read(activity.file_key)
        encoded = None if content is None else base64.b64encode(content).decode()
        answer.append(
            {
                **_ACTIVITY.dump(activity),
                "file": {
                    "name": activity.file_name,
                    "size": activity.file_size,
                    "content_base64": encoded,
                },
            }
        )
    return answer


def erase(actor: Actor) -> None:
    """The caller's activities and their files (the check-ins keep the runs' figures)."""
    keys = set()
    for activity in db.session.scalars(scoped(Activity, actor)):
        if activity.file_key not in keys:
            keys.add(activity.file_key)
            storage.remove_after_commit(db.session(), activity.file_key)
        db.session.delete(activity)
