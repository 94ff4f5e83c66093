"""Activities kept before Academy read files right, read again from their stored files
(``flask academy recompute-activities``): each file's sport, kind, figures and legs
as the readers answer them now, and the check-ins (and so the load) they fed.

A stored activity is its file's first leg; a multisport file's other legs become
activities of their own, each recorded in a check-in as an upload would record it.
In a check-in the activity fed, each run figure that is still the activity's own (the
client never changed it) takes the new reading, or goes when the activity is now
cross-training, which gives the check-in its minutes instead. A file that is missing
or that the readers now refuse is left as it was, and said so.
"""

import math

import sqlalchemy as sa

from academy.activities import parsing, storage
from academy.activities.models import Activity
from academy.activities.service import Sent, minutes_of, new_activity, record, run_of
from academy.auth.models import User
from academy.checkins import service as checkins
from academy.checkins.models import CheckIn
from academy.common.time import local_today
from academy.extensions import db


def recompute() -> list[str]:
    """Read every stored file again and set right what it fed; a line for each
    activity changed or left as it was (the caller commits)."""
    lines = []
    keys = db.session.scalars(
        sa.select(Activity.file_key).distinct().order_by(Activity.file_key)
    ).all()
    for key in keys:
        lines.extend(_recompute_file(key))
    return lines


def _recompute_file(key: str) -> list[str]:
    kept = db.session.scalars(
        sa.select(Activity).where(Activity.file_key == key).order_by(Activity.leg)
    ).all()
    data = storage.read(key)
    if data is None:
        return [f"{key}: the file is missing; its activities are left as they were."]
    try:
        legs = parsing.parse(data)["legs"]
    except parsing.UnreadableFile as error:
        return [f"{key}: not read now ({error}); its activities are left as they were."]
    client = db.session.get_one(User, kept[0].client_id)
    by_leg = {activity.leg: activity for activity in kept}
    lines = []
    for number, leg in enumerate(legs, start=1):
        on = local_today(client.timezone, leg["started_at"])
        activity = by_leg.pop(number, None)
        if activity is None:
            first = kept[0]
            sent = Sent(data, first.content_hash, first.file_name, first.format, None, None)
            activity = new_activity(client, leg, on, number, sent, key)
            activity.check_in_id = record(client, activity, None, None)
            db.session.add(activity)
            lines.append(
                f"{key} leg {number}: new, {leg['sport']} ({leg['kind']}) "
                f"{leg['distance_m'] / 1000:g} km; check-in {activity.check_in_id}."
            )
            continue
        before = f"{activity.sport} {activity.distance_m / 1000:g} km"
        was_run, old_run = activity.kind == "run", run_of(activity)
        for name, value in leg.items():
            setattr(activity, name, value)
        activity.date = on
        said = _refill(activity, was_run, old_run)
        lines.append(
            f"{key} leg {number}: {before} -> {activity.sport} ({activity.kind}) "
            f"{activity.distance_m / 1000:g} km{said}."
        )
    for number, activity in sorted(by_leg.items()):
        lines.append(f"{key} leg {number}: no longer in the file; activity {activity.id} left.")
    db.session.flush()
    return lines


def _same(stored, value) -> bool:
    if stored is None or value is None:
        return stored is value
    return math.isclose(float(stored), float(value), abs_tol=1e-9)


def _refill(activity: Activity, was_run: bool, old_run: dict) -> str:
    """Set right the check-in the activity fed: what it holds of the activity's old run
    block, as the client left it, becomes the new one's (a run) or goes
    (cross-training). Says what changed."""
    if activity.check_in_id is None:
        return ""
    check_in = db.session.get(CheckIn, activity.check_in_id)
    if check_in is None:
        return ""
    old = checkins.run_columns(old_run) if was_run else {}
    new = checkins.run_columns(run_of(activity)) if activity.kind == "run" else {}
    changed = []
    for column in checkins.run_columns({}):
        stored = getattr(check_in, column)
        if column in old and _same(stored, old[column]) and not _same(stored, new.get(column)):
            setattr(check_in, column, new.get(column))
            changed.append(column)
    if activity.kind != "run" and check_in.duration_minutes is None:
        check_in.duration_minutes = minutes_of(activity)
        changed.append("duration_minutes")
    if not changed:
        return ""
    return f"; check-in {check_in.id}: {', '.join(changed)}"
