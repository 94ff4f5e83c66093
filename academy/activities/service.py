"""Activities: reading a watch's file, keeping it, and recording the run it holds in
a check-in (the day's run session's, when there is one).

An upload is read first, in parallel with any other (reading is the costly part, and
``academy.activities.intake`` bounds it); then a client's uploads are written one at a
time, so that what decides the answer (this file already kept, the same run kept from
another file, the day's session already checked in) still holds when the activity is
written: concurrent uploads of one file keep one activity and answer it to all.
"""

import base64
import hashlib
import re
import uuid
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
# The same run uploaded again from another file (another format, another export):
# started within this long of one already kept...
SAME_START = timedelta(seconds=60)
# ...and as far, within this share of the further of the two.
SAME_DISTANCE = 0.03


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


def upload(actor: Actor, file: FileStorage, check_in_id: int | None) -> tuple[Activity, bool]:
    """The activity in ``file`` and whether it is new: the same file again, or the same
    run from another file, answers the activity kept the first time."""
    data = _read(file)
    digest = hashlib.sha256(data).hexdigest()
    known = _kept_file(actor, digest)
    if known is not None:
        return known, False
    parsed = _parsed(data)
    on = local_today(actor.timezone, parsed["started_at"])
    if not FIRST_DAY <= on <= local_today(actor.timezone):
        raise Unprocessable(
            "The file cannot be read.",
            errors={"file": ["The activity must start between 1990 and today in your timezone."]},
        )
    file_name = _UNSTORABLE.sub("", file.filename or "")[:255]
    try:
        return _write(actor, data, digest, file_name, parsed, on, check_in_id)
    except Conflict:
        # The day's run session was checked in by hand between the look-up and the
        # insert (that insert's rollback undid this upload's writes): the look-up finds
        # it now, and it records the activity.
        return _write(actor, data, digest, file_name, parsed, on, check_in_id)


def _write(
    actor: Actor,
    data: bytes,
    digest: str,
    file_name: str,
    parsed: dict,
    on: date,
    check_in_id: int | None,
) -> tuple[Activity, bool]:
    _one_upload_at_a_time(actor)
    known = _kept_file(actor, digest) or _kept_run(actor, parsed, on)
    if known is not None:
        return known, False
    summary = {k: v for k, v in parsed.items() if k != "started_at"}
    activity = Activity(
        academy_id=actor.academy_id,
        client_id=actor.id,
        started_at=parsed["started_at"],
        date=on,
        content_hash=digest,
        file_key=f"activities/{actor.academy_id}/{actor.id}/{uuid.uuid4().hex}.{parsed['format']}",
        file_name=file_name,
        file_size=len(data),
        **summary,
    )
    activity.check_in_id = _record(actor, activity, check_in_id)
    storage.save(db.session(), activity.file_key, data)
    db.session.add(activity)
    db.session.flush()
    return activity, True


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
    return db.session.scalar(scoped(Activity, actor).where(Activity.content_hash == digest))


def _kept_run(actor: Actor, parsed: dict, on: date) -> Activity | None:
    """An activity already kept of the same run: started within ``SAME_START`` of it,
    as far within ``SAME_DISTANCE``."""
    start, distance = parsed["started_at"], parsed["distance_m"]
    nearby = db.session.scalars(
        scoped(Activity, actor)
        .where(
            Activity.date.between(on - timedelta(days=1), on + timedelta(days=1)),
            Activity.started_at.between(start - SAME_START, start + SAME_START),
        )
        .order_by(Activity.id)
    )
    for activity in nearby:
        further = max(activity.distance_m, distance)
        if abs(activity.distance_m - distance) <= SAME_DISTANCE * further:
            return activity
    return None


def _run_of(activity: Activity) -> dict:
    return {
        "distance_km": round(activity.distance_m / 1000, 2),
        "duration_minutes": round(activity.moving_seconds / 60, 1),
        "cadence_spm": activity.avg_cadence_spm,
    }


def _fill(check_in: CheckIn, activity: Activity) -> None:
    """Give a check-in the activity's run where it has none of its own (the check-in's
    ``updated_at`` and version move on with any change)."""
    for column, value in checkins.run_columns(_run_of(activity)).items():
        if getattr(check_in, column) is None and value is not None:
            setattr(check_in, column, value)


def _record(actor: Actor, activity: Activity, check_in_id: int | None) -> int:
    """The check-in that records the activity: the one named; else the day's run
    session's check-in while no other activity records it (the client checked the run
    in by hand, and this is its file); else a new one, on that session if it has none
    yet. A second run on a session's day is one more check-in, so that its distance
    counts once, and no activity is refused for the session being taken."""
    if check_in_id is not None:
        check_in = db.session.scalar(scoped(CheckIn, actor).where(CheckIn.id == check_in_id))
        if check_in is None:
            raise Unprocessable(
                "The upload is not valid.", errors={"check_in_id": ["No such check-in of yours."]}
            )
        _fill(check_in, activity)
        return check_in.id
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
                _fill(existing, activity)
                return existing.id
            found = None
    body = {"date": activity.date, "completed": True, "run": _run_of(activity)}
    if found is not None:
        body |= {"assignment_id": found[0], "session_id": found[1]["id"]}
    return checkins.create_check_in(actor, body)["id"]


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


def list_activities(actor: Actor, client_id: int | None = None) -> sa.Select:
    stmt = scoped(Activity, actor)
    if client_id is not None:
        get_scoped(Client, client_id, actor, what="client")
        stmt = stmt.where(Activity.client_id == client_id)
    return stmt.order_by(Activity.started_at.desc(), Activity.id.desc())


def cadence_by_day(actor: Actor, client_id: int, start: date, end: date) -> list[dict]:
    """The average cadence of each of a client's activities from ``start`` to ``end``
    (the caller has found the client), for the trends. One statement."""
    rows = db.session.execute(
        scoped(Activity, actor, Activity.date, Activity.id, Activity.avg_cadence_spm)
        .where(
            Activity.client_id == client_id,
            Activity.date.between(start, end),
            Activity.avg_cadence_spm.is_not(None),
        )
        .order_by(Activity.date, Activity.id)
    )
    return [{"date": on, "activity_id": i, "cadence_spm": spm} for on, i, spm in rows]


def get_activity(actor: Actor, activity_id: int) -> Activity:
    return get_scoped(Activity, activity_id, actor, what="activity")


def delete_activity(actor: Actor, activity_id: int) -> None:
    """The activity and its file go; the check-in it made stays, as the client's record."""
    activity = get_activity(actor, activity_id)
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
    for activity in db.session.scalars(scoped(Activity, actor)):
        storage.remove_after_commit(db.session(), activity.file_key)
        db.session.delete(activity)
