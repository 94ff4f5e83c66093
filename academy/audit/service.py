"""Recording the audit log from the ORM's own change tracking, and reading it.

Every flush is inspected once, in one place, so no write path can forget to leave
its row: new, changed and deleted rows of every model marked ``Audited`` (clients,
programs, assignments, check-ins, assessments) or ``Part`` of one (a program's
sessions and items, a check-in's results and ratings; see ``academy.common.models``).
The marks are read from the models, so this module imports no domain. Only field
names are recorded, never values, so the log holds no health data. Within one
transaction a resource gets one row, however many flushes it takes. The one write
that goes past the ORM, a new check-in (the client app's most frequent), leaves the
same row through ``record_created``; a change that no column shows, through
``record_updated``.
"""

from datetime import UTC, datetime, time, timedelta
from functools import cache

import sqlalchemy as sa
from flask import g, has_request_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from academy.audit.models import AuditEntry
from academy.common.auth import Actor
from academy.common.models import Audited, Part
from academy.common.tenancy import scoped
from academy.common.time import utcnow
from academy.extensions import Base, db

# Bookkeeping columns that change with every write and say nothing about it.
_IGNORED = {"updated_at", "version", "created_at", "search_text"}
_RENAMED = {"password_hash": "password"}
_PENDING = "academy.audit"


def _changed_fields(obj) -> list[str]:
    state = inspect(obj)
    names = []
    for attr in state.mapper.column_attrs:
        if attr.key in _IGNORED:
            continue
        if state.attrs[attr.key].history.has_changes():
            names.append(_RENAMED.get(attr.key, attr.key))
    # Child lists (a check-in's ratings): emptying one deletes orphans that are never in
    # ``session.deleted``, so only the parent's collection history shows the change.
    for rel in state.mapper.relationships:
        if rel.uselist and not rel.viewonly and state.attrs[rel.key].history.has_changes():
            names.append(rel.key)
    return names


@cache
def _resources() -> dict[str, type]:
    """The model that is each audited resource, from the marks on the models."""
    return {
        mark.resource: cls
        for mapper in Base.registry.mappers
        if isinstance(mark := getattr(cls := mapper.class_, "__audit__", None), Audited)
        and mark.only_if is None
    }


def _target(session: Session, obj, fresh: dict) -> tuple[str, int, int, str | None] | None:
    """(resource, id, academy, child field) that a changed object belongs to, if audited.

    ``fresh`` holds the objects this flush inserted: they are not in the identity map
    yet, and looking a new check-in up for each of its ratings would cost a SELECT each.
    """
    mark = getattr(type(obj), "__audit__", None)
    if isinstance(mark, Audited):
        if mark.only_if is not None and not mark.only_if(obj):
            return None
        return mark.resource, obj.id, obj.academy_id, None
    if isinstance(mark, Part):
        model, parent_id = _resources()[mark.resource], mark.parent_id_of(obj)
        parent = fresh.get((model, parent_id)) or session.get(model, parent_id)
        return (mark.resource, parent.id, parent.academy_id, mark.field) if parent else None
    return None


def _actor() -> tuple[int | None, str]:
    user = g.get("current_user") if has_request_context() else None
    return (user.id, user.role) if user is not None else (None, "system")


def _after_flush(session: Session, _context) -> None:
    changes: dict[tuple[str, int], dict] = {}
    fresh = {
        (type(o), o.id): o
        for o in session.new
        if isinstance(getattr(type(o), "__audit__", None), Audited)
    }
    for action, objects in (
        ("create", session.new),
        ("update", session.dirty),
        ("delete", session.deleted),
    ):
        for obj in objects:
            target = _target(session, obj, fresh)
            if target is None:
                continue
            resource, resource_id, academy_id, child = target
            # A child row is an update of its parent; a separate name keeps ``action``
            # intact for the objects after it (a new assignment flushed after the rows
            # of its program copy was once logged as an update).
            row_action = action if child is None else "update"
            if child is None:
                fields = _changed_fields(obj) if action != "delete" else []
                if action == "update" and not fields:
                    continue
            else:
                fields = [child]
            entry = changes.setdefault(
                (resource, resource_id),
                {"academy_id": academy_id, "action": row_action, "fields": set()},
            )
            if row_action != "update":
                entry["action"] = row_action
            entry["fields"].update(fields)
    for entry in changes.values():
        if entry["action"] == "delete":  # a deleted resource has no changed fields
            entry["fields"].clear()
    if changes:
        _write(session, changes)


_AUDIT = AuditEntry.__table__
# Built once: most writes run it.
_INSERT = sa.insert(_AUDIT).returning(_AUDIT.c.id)
_WIDEN = (
    sa.update(_AUDIT)
    .where(_AUDIT.c.id == sa.bindparam("entry_id"))
    .values(fields=sa.bindparam("fields"), action=sa.bindparam("action"))
)


def _write(session: Session, changes: dict) -> None:
    pending: dict = session.info.setdefault(_PENDING, {})
    actor_id, actor_role = _actor()
    connection = session.connection()
    for key, change in changes.items():
        earlier = pending.get(key)
        if earlier is not None:
            # A later flush of the same transaction: widen the row already written.
            earlier["fields"] |= change["fields"]
            if change["action"] == "delete":
                earlier["action"] = "delete"
            connection.execute(
                _WIDEN,
                {
                    "entry_id": earlier["id"],
                    "fields": sorted(earlier["fields"]),
                    "action": earlier["action"],
                },
            )
            continue
        row_id: int = connection.execute(
            _INSERT,
            {
                "academy_id": change["academy_id"],
                "actor_id": actor_id,
                "actor_role": actor_role,
                "action": change["action"],
                "resource": key[0],
                "resource_id": key[1],
                "fields": sorted(change["fields"]),
                "at": utcnow(),
            },
        ).scalar_one()
        pending[key] = {**change, "id": row_id}


def record_created(resource: str, resource_id: int, academy_id: int, fields) -> None:
    """Log a resource that was inserted past the ORM, so no flush saw it: its row is the
    one the flush would have written."""
    change = {"academy_id": academy_id, "action": "create", "fields": set(fields)}
    _write(db.session(), {(resource, resource_id): change})


def record_updated(resource: str, resource_id: int, academy_id: int, fields) -> None:
    """Log a change that no column of the resource shows (a client's access reset by a
    new invitation), named by ``fields``."""
    change = {"academy_id": academy_id, "action": "update", "fields": set(fields)}
    _write(db.session(), {(resource, resource_id): change})


def _forget(session: Session, *_args) -> None:
    session.info.pop(_PENDING, None)


def init_app(app) -> None:
    """Attach the recorder to the session once per process (it holds no app state)."""
    for name, listener in (
        ("after_flush", _after_flush),
        ("after_commit", _forget),
        ("after_rollback", _forget),
    ):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)


def list_entries(
    actor: Actor, resource=None, resource_id=None, actor_id=None, from_=None, to=None
) -> sa.Select:
    """Entries of the actor's academy; ``from_`` and ``to`` are whole days, in UTC."""
    stmt = scoped(AuditEntry, actor)
    if resource:
        stmt = stmt.where(AuditEntry.resource == resource)
    if resource_id is not None:
        stmt = stmt.where(AuditEntry.resource_id == resource_id)
    if actor_id is not None:
        stmt = stmt.where(AuditEntry.actor_id == actor_id)
    if from_:
        stmt = stmt.where(AuditEntry.at >= datetime.combine(from_, time.min, UTC))
    if to:
        stmt = stmt.where(AuditEntry.at < datetime.combine(to + timedelta(days=1), time.min, UTC))
    return stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
