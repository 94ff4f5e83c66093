"""Check-ins: recording, correcting and reading them, with cross-object validation."""

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from academy.checkins.models import (
    ONE_PER_SESSION,
    CheckIn,
    CheckInMedia,
    CheckInRating,
    CheckInResult,
)
from academy.checkins.schemas import (
    CheckInWriteSchema,
    PrescribedSchema,
    RunSchema,
    WellnessSchema,
)
from academy.clients.models import Client
from academy.common.auth import Actor
from academy.common.etag import check_version
from academy.common.tenancy import (
    ForIds,
    client_scope,
    get_scoped,
    scoped,
    scoped_to_client,
    through,
)
from academy.common.time import local_today, utcnow
from academy.errors import Conflict, NotFound, Unprocessable, constraint_name
from academy.exercises.models import Exercise
from academy.extensions import db
from academy.files import uploads
from academy.files.storage import remove_after_commit
from academy.programs.dates import session_date
from academy.programs.models import Assignment, ProgramItem, ProgramSession

# The body's fields that are columns of their own, by name: a new one needs its model
# column, its migration and its place in the schemas, and nothing here.
_SCALARS = tuple(f for f in CheckInWriteSchema().fields if f in CheckIn.__table__.c)
# The body's groups of columns: wellness by the columns' names, a run's figures by
# ``run_`` and their name where the column has that prefix.
_WELLNESS = tuple(WellnessSchema().fields)
_RUN = {f: f"run_{f}" if f"run_{f}" in CheckIn.__table__.c else f for f in RunSchema().fields}
# What a result repeats of its item, as prescribed that day, in the answer's order.
_PRESCRIBED = tuple(PrescribedSchema().fields)
# A stored check-in, or one read as rows (``with_children``) or not yet written
# (``create_check_in``): what ``present`` answers from.
CheckInLike = CheckIn | SimpleNamespace
# A check-in read as an object comes with its results and ratings.
LOAD_CHILDREN = (selectinload(CheckIn.results), selectinload(CheckIn.ratings))
# The tables, for the reads that skip the ORM.
_CHECK_INS = CheckIn.__table__
_RESULTS = CheckInResult.__table__
_RATINGS = CheckInRating.__table__
_MEDIA = CheckInMedia.__table__
# At most this many form-check videos on one check-in.
MAX_FORM_CHECKS = 3


# --- writing ------------------------------------------------------------------------------


@dataclass
class Prescription:
    """What a check-in refers to, as prescribed: its session and its results' items."""

    assignment_found: bool = False
    start_date: date | None = None
    sessions: dict[int, dict] = dataclasses.field(default_factory=dict)
    items: dict[int, dict] = dataclasses.field(default_factory=dict)
    # Another check-in of the same session of the assignment (any version of it).
    existing_id: int | None = None


_ITEM_COLUMNS = (
    ProgramItem.id,
    *(Exercise.name if f == "exercise_name" else getattr(ProgramItem, f) for f in _PRESCRIBED),
)
_SESSION_COLUMNS = (
    ProgramSession.id,
    ProgramSession.week,
    ProgramSession.day,
    ProgramSession.title,
)


def _item(row) -> dict:
    return dict(zip(_PRESCRIBED, row[1:], strict=True))


def _session(row) -> dict:
    return dict(zip(("id", "week", "day", "title"), row, strict=True))


_OTHER_SESSION = sa.orm.aliased(ProgramSession)
# A check-in already written for the same session of the assignment: any version of
# the session (the coach may have edited it since), and not the one being corrected.
# Named first, the condition on the outer session lets the database skip the search
# outright for a check-in that names no session.
_EXISTING = (
    sa.select(sa.func.min(CheckIn.id))
    .join(_OTHER_SESSION, _OTHER_SESSION.id == CheckIn.session_id)
    .where(
        ProgramSession.id.is_not(None),
        CheckIn.assignment_id == Assignment.id,
        _OTHER_SESSION.week == ProgramSession.week,
        _OTHER_SESSION.day == ProgramSession.day,
        CheckIn.id != sa.bindparam("check_in_id"),
    )
    .scalar_subquery()
)
# Where the session's and then the items' columns start in a row of _PRESCRIPTION.
_SESSION_AT, _ITEM_AT = 3, 3 + len(_SESSION_COLUMNS)

# Built once: every check-in written runs it. The caller's assignment (and its start),
# the session in it, another check-in of that session, and the results' items of that
# session, in one statement.
_PRESCRIPTION = (
    scoped_to_client(
        Assignment,
        Assignment.id,
        Assignment.start_date,
        _EXISTING,
        *_SESSION_COLUMNS,
        *_ITEM_COLUMNS,
    )
    # Any version of the session counts: the coach may have edited it since.
    .outerjoin(
        ProgramSession,
        sa.and_(
            ProgramSession.program_id == Assignment.program_id,
            ProgramSession.id == sa.bindparam("session_id"),
        ),
    )
    .outerjoin(
        ProgramItem,
        sa.and_(
            ProgramItem.session_id == ProgramSession.id,
            ProgramItem.id.in_(sa.bindparam("item_ids", expanding=True)),
        ),
    )
    .outerjoin(Exercise, Exercise.id == ProgramItem.exercise_id)
    .where(Assignment.id == sa.bindparam("assignment_id"))
)


def _look_up(actor: Actor, check_in: CheckInLike) -> Prescription:
    """What the check-in names, as prescribed (nothing without an assignment)."""
    found = Prescription()
    if check_in.assignment_id is None:
        return found
    parameters = {
        **client_scope(actor),
        "assignment_id": check_in.assignment_id,
        "session_id": check_in.session_id,
        "item_ids": [r.item_id for r in check_in.results],
        "check_in_id": getattr(check_in, "id", None) or 0,
    }
    # Plain rows from the request's connection: the ORM's result layer would cost more
    # than the statement on the client app's most frequent write.
    rows = db.session.connection().execute(_PRESCRIPTION, parameters).all()
    found.assignment_found = bool(rows)
    for row in rows:
        found.start_date, found.existing_id = row[1], row[2]
        if row[_SESSION_AT] is not None:
            found.sessions[row[_SESSION_AT]] = _session(row[_SESSION_AT:_ITEM_AT])
        if row[_ITEM_AT] is not None:
            found.items[row[_ITEM_AT]] = _item(row[_ITEM_AT:])
    return found


def _validate(actor: Actor, check_in: CheckInLike) -> Prescription:
    """Rules across objects; every failure names its field. Answers what was looked up,
    so that the answer need not look it up again."""
    found, errors = _problems(actor, check_in)
    if errors:
        raise Unprocessable("The check-in is not valid.", errors=errors)
    if check_in.session_id is not None and found.existing_id is not None:
        _already_checked_in(found.existing_id)
    return found


def cross_check(actor: Actor, valid: dict) -> dict[str, list[str]]:
    """The rules across objects that the valid part of a refused body breaks, so that
    one answer names every fault (the schema's and these) where it can."""
    if "date" not in valid or not isinstance(valid.get("results", []), list):
        return {}
    results = [r for r in valid.get("results", []) if isinstance(r, dict) and "item_id" in r]
    check_in = SimpleNamespace(
        date=valid["date"],
        assignment_id=valid.get("assignment_id"),
        session_id=valid.get("session_id"),
        results=[SimpleNamespace(**r) for r in results],
        id=None,
    )
    return _problems(actor, check_in)[1]


def _problems(actor: Actor, check_in: CheckInLike) -> tuple[Prescription, dict]:
    # The look-up must not flush the edited check-in first: an unknown item or session
    # would then fail its foreign key (409) before it could be reported (422).
    with db.session.no_autoflush:
        found = _look_up(actor, check_in)
    errors: dict[str, list[str]] = {}
    if check_in.date > local_today(actor.timezone):
        errors["date"] = ["Cannot be later than today in your timezone."]
    if check_in.session_id is not None and check_in.assignment_id is None:
        errors["session_id"] = ["Name the assignment the session belongs to."]
    if check_in.assignment_id is not None and not found.assignment_found:
        errors["assignment_id"] = ["No such assignment of yours."]
    elif check_in.session_id is not None and check_in.session_id not in found.sessions:
        errors["session_id"] = ["No such session in that assignment."]
    elif check_in.session_id is not None and (
        problem := _too_early(check_in.date, check_in.session_id, found)
    ):
        errors.setdefault("date", []).append(problem)
    results = check_in.results
    if results and check_in.session_id is None:
        errors["results"] = ["Item results need a session_id."]
    elif results and "session_id" not in errors and "assignment_id" not in errors:
        for index, result in enumerate(results):
            if result.item_id not in found.items:
                errors[f"results[{index}].item_id"] = ["No such item in that session."]
    return found, errors


# How far ahead of its session a check-in may be dated (a session done early).
EARLY_DAYS = 3


def _too_early(day: date, session_id: int, found: Prescription) -> str | None:
    """Why a check-in dated ``day`` is too early for its session, if it is: never before
    the assignment starts, nor more than EARLY_DAYS before the session's own date."""
    start, session = found.start_date, found.sessions[session_id]
    if start is None:  # no assignment found, which is refused on its own
        return None
    on = session_date(start, session["week"], session["day"])
    if day < start:
        return f"Not before the assignment's start, {start.isoformat()}."
    if day < on - timedelta(days=EARLY_DAYS):
        return f"At most {EARLY_DAYS} days before the session's date, {on.isoformat()}."
    return None


def _clash(existing_id: int) -> tuple[str, dict, dict]:
    """How a second check-in of a session is refused: the first one named."""
    return (
        "This session already has a check-in; correct that one instead.",
        {"session_id": [f"Check-in {existing_id} is for this session."]},
        {"existing_id": existing_id},
    )


def _already_checked_in(existing_id: int):
    detail, errors, extra = _clash(existing_id)
    raise Conflict(detail, errors=errors, extra=extra)


def _columns(data: dict) -> dict:
    """The check-in columns that ``data``, a loaded request body, sets."""
    columns = {field: data[field] for field in _SCALARS if field in data}
    if "wellness" in data:
        wellness = data["wellness"] or {}
        columns.update({field: wellness.get(field) for field in _WELLNESS})
    if "run" in data:
        columns.update(run_columns(data["run"] or {}))
    return columns


def run_columns(run: dict) -> dict:
    """The check-in columns of a run's figures (``distance_km`` and so on)."""
    return {column: run.get(field) for field, column in _RUN.items()}


def _apply(check_in: CheckIn, data: dict) -> None:
    for column, value in _columns(data).items():
        setattr(check_in, column, value)
    if "results" in data:
        check_in.results = [
            CheckInResult(position=i, **result) for i, result in enumerate(data["results"])
        ]
    if "ratings" in data:
        owner = (check_in.academy_id, check_in.client_id, check_in.date)
        check_in.ratings = [
            CheckInRating(**_rating_row(*owner, position, rating))
            for position, rating in enumerate(data["ratings"])
        ]
    elif "date" in data:
        for rating in check_in.ratings:
            rating.date = check_in.date


def _rating_row(academy_id: int, client_id: int, on: date, position: int, rating: dict) -> dict:
    """A rating's columns: the check-in's owner and date are copied to it for the trends."""
    return {
        "academy_id": academy_id,
        "client_id": client_id,
        "date": on,
        "position": position,
        "region": rating["region"],
        "side": rating["side"],
        "tightness": rating.get("tightness"),
        "pain": rating.get("pain"),
    }


def create_check_in(actor: Actor, data: dict) -> tuple[dict, int]:
    """A new check-in of the calling client, as answered, and its version."""
    # Its collections start empty (the body's fill them): answering it then reads
    # none of them back from the database.
    check_in = CheckIn(academy_id=actor.academy_id, client_id=actor.id, results=[], ratings=[])
    return _write(actor, check_in, data)


def record_check_in(actor: Actor, data: dict) -> int:
    """A new check-in written for what another part records (an activity, the demo's
    history): its id."""
    return create_check_in(actor, data)[0]["id"]


def get_check_in(actor: Actor, check_in_id: int) -> CheckIn:
    return get_scoped(CheckIn, check_in_id, actor, *LOAD_CHILDREN, what="check-in")


def read_check_in(actor: Actor, check_in_id: int) -> tuple[dict, int]:
    """One check-in in the caller's scope, as answered, and its version."""
    check_in = get_check_in(actor, check_in_id)
    return present([check_in])[0], check_in.version


def update_check_in(
    actor: Actor, check_in_id: int, expected_version: int | None, data: dict
) -> tuple[dict, int]:
    """The corrected check-in, as answered, and its new version."""
    check_in = get_check_in(actor, check_in_id)
    check_version(check_in, expected_version)
    if "assignment_id" in data and data["assignment_id"] != check_in.assignment_id:
        data.setdefault("session_id", None)  # a session belongs to its assignment
    return _write(actor, check_in, data)


def _write(actor: Actor, check_in: CheckIn, data: dict) -> tuple[dict, int]:
    """The one writer of a check-in, new or corrected, through the unit of work: the
    body's fields on the object (its defaults are the model's), the rules across
    objects, and a flush. The flush writes the rows, and the session's listeners what
    every write of a check-in brings: its audit entry (``academy.audit``), its version
    (``Versioned``) and its client's summary (``summaries``). Nothing is committed: the
    request commits it, with its idempotency record."""
    _apply(check_in, data)
    found = _validate(actor, check_in)
    new = check_in.id is None
    # Touched even when only its results or ratings change, so its version moves on.
    check_in.updated_at = utcnow()
    if new:
        db.session.add(check_in)
    try:
        db.session.flush()
    except IntegrityError as error:
        # Another check-in of the same session landed between the look-up and now; any
        # other constraint's refusal goes to the handlers as it is (422 naming its field).
        if constraint_name(error) != ONE_PER_SESSION:
            raise
        raise SessionTaken(actor, check_in.assignment_id, check_in.session_id) from error
    media = {} if new else media_of([check_in.id])
    return _present_one(check_in, found.items, found.sessions, media), check_in.version


class SessionTaken(Conflict):
    """A check-in of the same session was written as this one was: answered, once the
    request's writes are undone, as the clash the look-up would have found."""

    def __init__(self, actor: Actor, assignment_id: int | None, session_id: int | None):
        super().__init__("This session's check-in changed as you posted; post again.")
        self.where = actor, assignment_id, session_id

    def settle(self) -> None:
        actor, assignment_id, session_id = self.where
        existing = db.session.scalar(
            scoped(CheckIn, actor, CheckIn.id).where(
                CheckIn.assignment_id == assignment_id, CheckIn.session_id == session_id
            )
        )
        if existing is not None:
            self.detail, self.errors, self.extra = _clash(existing)


def delete_check_in(actor: Actor, check_in_id: int, expected_version: int | None) -> None:
    """The client's own record: deleting it removes it with its results, ratings and
    form-check videos (their files once that is committed)."""
    check_in = get_check_in(actor, check_in_id)
    check_version(check_in, expected_version)
    for media in check_in.media:
        remove_after_commit(db.session(), media.file_key)
    db.session.delete(check_in)
    db.session.flush()


# --- form-check videos ----------------------------------------------------------------------


def add_form_check(actor: Actor, check_in_id: int, data: dict) -> CheckInMedia:
    """A video of the client's form attached to one of their check-ins (MP4 or WebM,
    read from its bytes), kept in the file storage with its row. The check-in moves on
    (its ``updated_at`` and version), so that apps syncing by ``updated_since`` see it."""
    check_in = get_check_in(actor, check_in_id)
    if len(check_in.media) >= MAX_FORM_CHECKS:
        raise Conflict(f"A check-in holds at most {MAX_FORM_CHECKS} form-check videos.")
    config = current_app.config
    upload = uploads.receive(
        data["file"], {"video": config["FORM_CHECK_MAX_BYTES"]}, None, config["MEDIA_MAX_PIXELS"]
    )
    key, _ = uploads.store(db.session(), f"check-ins/{actor.academy_id}/{actor.id}", upload)
    media = CheckInMedia(
        academy_id=actor.academy_id,
        client_id=actor.id,
        kind=upload.type.kind,
        caption=data.get("caption", "").strip(),
        content_type=upload.type.content_type,
        bytes=upload.size,
        file_key=key,
    )
    check_in.media.append(media)
    check_in.updated_at = utcnow()
    db.session.flush()
    return media


def _form_check(check_in: CheckIn, media_id: int) -> CheckInMedia:
    for media in check_in.media:
        if media.id == media_id:
            return media
    raise NotFound(f"No form-check video {media_id} on check-in {check_in.id}.")


def _with_media(actor: Actor, check_in_id: int) -> CheckIn:
    """One of the caller's check-ins with its videos, not its results and ratings."""
    return get_scoped(CheckIn, check_in_id, actor, selectinload(CheckIn.media), what="check-in")


def get_form_check(actor: Actor, check_in_id: int, media_id: int) -> CheckInMedia:
    return _form_check(_with_media(actor, check_in_id), media_id)


def delete_form_check(actor: Actor, check_in_id: int, media_id: int) -> None:
    """The video goes (its file once that is committed); the check-in moves on."""
    check_in = get_check_in(actor, check_in_id)
    media = _form_check(check_in, media_id)
    remove_after_commit(db.session(), media.file_key)
    check_in.media.remove(media)
    check_in.updated_at = utcnow()
    db.session.flush()


def erase_form_checks(actor: Actor) -> None:
    """Every form-check video of the calling client, rows and files."""
    for media in db.session.scalars(scoped(CheckInMedia, actor)):
        remove_after_commit(db.session(), media.file_key)
        db.session.delete(media)


_MEDIA_OF = (
    sa.select(_MEDIA)
    .where(through(_MEDIA.c.check_in_id, sa.bindparam("ids", expanding=True)))
    .order_by(_MEDIA.c.check_in_id, _MEDIA.c.id)
)


def media_of(check_in_ids: list[int]) -> dict[int, list[sa.Row]]:
    """The form-check videos of check-ins read in scope, as rows, in one statement."""
    found: dict[int, list[sa.Row]] = defaultdict(list)
    if check_in_ids:
        for row in db.session.execute(_MEDIA_OF, {"ids": list(check_in_ids)}):
            found[row.check_in_id].append(row)
    return found


# --- reading ------------------------------------------------------------------------------


def _done(assignment_ids: sa.BindParameter[Any]) -> sa.Select[int | None, int, int]:
    return (
        sa.select(CheckIn.assignment_id, ProgramSession.week, ProgramSession.day)
        .join(ProgramSession, ProgramSession.id == CheckIn.session_id)
        .where(through(CheckIn.assignment_id, assignment_ids), CheckIn.completed.is_(True))
        .distinct()
    )


# Built once: the client app's schedule reads run it, most for one assignment.
_DONE = ForIds("assignment_ids", _done)


def done_sessions(assignment_ids: list[int]) -> set[tuple[int | None, int, int]]:
    """(assignment, week, day) of every session checked in as completed, any version of
    it. The caller names assignments it has already scoped."""
    if not assignment_ids:
        return set()
    statement, ids = _DONE.pick(assignment_ids)
    rows = db.session.connection().execute(statement, {"assignment_ids": ids})
    return {(assignment_id, week, day) for assignment_id, week, day in rows}


# The lists read rows, not objects: a page holds some 150 results and ratings, and
# building ORM objects for them cost more than the statements. Built once.
_RESULTS_OF = (
    sa.select(_RESULTS)
    .where(through(_RESULTS.c.check_in_id, sa.bindparam("ids", expanding=True)))
    .order_by(_RESULTS.c.check_in_id, _RESULTS.c.position)
)
_RATINGS_OF = (
    sa.select(_RATINGS)
    .where(through(_RATINGS.c.check_in_id, sa.bindparam("ids", expanding=True)))
    .order_by(_RATINGS.c.check_in_id, _RATINGS.c.position)
)


def list_check_ins(
    actor: Actor,
    client_id: int | None = None,
    from_: date | None = None,
    to: date | None = None,
    sort: str = "-date",
    updated_since: datetime | None = None,
):
    """The caller's check-ins (a client) or one client's (a coach), by date (newest
    first unless ``sort`` says ``date``), as rows: page them with
    ``paginate(..., rows=True)``, then ``with_children``."""
    stmt = scoped(CheckIn, actor, *_CHECK_INS.c)
    if client_id is not None:
        get_scoped(Client, client_id, actor, what="client")
        stmt = stmt.where(CheckIn.client_id == client_id)
    if from_:
        stmt = stmt.where(CheckIn.date >= from_)
    if to:
        stmt = stmt.where(CheckIn.date <= to)
    if updated_since:
        stmt = stmt.where(CheckIn.updated_at >= updated_since)
    if sort == "date":
        return stmt.order_by(CheckIn.date, CheckIn.id)
    return stmt.order_by(CheckIn.date.desc(), CheckIn.id.desc())


def with_children(rows: list[sa.Row]) -> list[SimpleNamespace]:
    """Check-in rows with their results and ratings, in two statements for any number."""
    ids = [row.id for row in rows]
    results, ratings = defaultdict(list), defaultdict(list)
    if ids:
        for result in db.session.execute(_RESULTS_OF, {"ids": ids}):
            results[result.check_in_id].append(result)
        for rating in db.session.execute(_RATINGS_OF, {"ids": ids}):
            ratings[rating.check_in_id].append(rating)
    return [
        SimpleNamespace(**row._mapping, results=results[row.id], ratings=ratings[row.id])
        for row in rows
    ]


def present(check_ins: Sequence[CheckInLike]) -> list[dict]:
    """Check-ins as answered, each result with the prescription as it was that day.

    Three statements for the whole page: the items (with exercise names), the sessions
    and the form-check videos.
    """
    item_ids = {r.item_id for c in check_ins for r in c.results}
    session_ids = {c.session_id for c in check_ins if c.session_id}
    items, sessions = {}, {}
    if item_ids:
        rows = db.session.execute(
            sa.select(*_ITEM_COLUMNS)
            .outerjoin(Exercise, Exercise.id == ProgramItem.exercise_id)
            .where(through(ProgramItem.id, item_ids))
        )
        items = {row[0]: _item(row) for row in rows}
    if session_ids:
        rows = db.session.execute(
            sa.select(*_SESSION_COLUMNS).where(through(ProgramSession.id, session_ids))
        )
        sessions = {row[0]: _session(row) for row in rows}
    media = media_of([c.id for c in check_ins])
    return [_present_one(c, items, sessions, media) for c in check_ins]


def _present_one(
    check_in: CheckInLike, items: dict, sessions: dict, media: dict | None = None
) -> dict:
    """A check-in as ``CheckInSchema`` reads it: its columns, with what they refer to
    (its session, each result's item as prescribed that day, its videos) and its
    wellness and run figures grouped as the body gives them. The schema's presenter
    picks and writes what it declares."""
    columns = _values(check_in, _CHECK_INS)
    return {
        **columns,
        "session": sessions.get(check_in.session_id),
        "results": [
            {**_values(r, _RESULTS), "prescribed": items.get(r.item_id)} for r in check_in.results
        ],
        "ratings": check_in.ratings,
        "wellness": {field: columns[field] for field in _WELLNESS},
        "run": {field: columns[column] for field, column in _RUN.items()},
        "media": (media or {}).get(check_in.id, []),
    }


def _values(obj, table: sa.Table) -> dict:
    """The columns of ``table`` that ``obj`` (an object, a namespace or a row) holds."""
    mapping = getattr(obj, "_mapping", None)
    if mapping is not None:
        return dict(mapping)
    return {column.key: getattr(obj, column.key) for column in table.c}
