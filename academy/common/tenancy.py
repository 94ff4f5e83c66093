"""Tenancy in one place: every query for academy data is scoped here.

Coaches see their own academy's rows; clients see only rows that are theirs. A row
outside the caller's scope does not exist for them (404, never 403). A query reads:

- rows of the caller's scope: ``scoped``, ``get_scoped``, ``scoped_to_client`` (and
  ``with_shared`` for the global catalogue as well);
- or rows that belong to rows already read in scope, by their ids: ``through`` (a
  program's sessions, a check-in's results, the items a result answers);
- or, before anyone is signed in, the one row a credential names: ``by_credential``
  (an account by its email, a token or a code by its hash).
"""

import sqlalchemy as sa
from sqlalchemy.sql import Select

from academy.common.auth import Actor
from academy.errors import NotFound
from academy.extensions import db


def _owner_column(model):
    """The column naming the client a row belongs to (``__client_column__``), if any."""
    return getattr(model, getattr(model, "__client_column__", "client_id"), None)


def scoped(model, actor: Actor, *columns) -> Select:
    """``SELECT model`` (or ``columns``) limited to what ``actor`` may see."""
    client_id = actor.id if actor.role == "client" else None
    return _within(model, columns, actor.academy_id, client_id)


def scoped_to_client(model, *columns) -> Select:
    """``scoped`` for a client caller, built once at import for a hot path: the caller
    comes as the parameters ``client_scope(actor)`` gives, so each request only binds."""
    academy_id, client_id = sa.bindparam("scope_academy_id"), sa.bindparam("scope_client_id")
    return _within(model, columns, academy_id, client_id)


def _within(model, columns, academy_id, client_id) -> Select:
    """The rows of one academy and, given ``client_id``, of that client alone."""
    stmt = sa.select(*(columns or (model,))).where(model.academy_id == academy_id)
    if client_id is not None:
        owner = _owner_column(model)
        if owner is None:  # academy-wide data that no client may read
            raise NotFound()
        stmt = stmt.where(owner == client_id)
    return stmt


def client_scope(actor: Actor) -> dict[str, int]:
    """The parameters of a ``scoped_to_client`` statement, for a client caller."""
    if actor.role != "client":
        raise NotFound()
    return {"scope_academy_id": actor.academy_id, "scope_client_id": actor.id}


def get_scoped(model, object_id: int, actor: Actor, *options, what: str | None = None):
    """One row by id within the caller's scope, or NotFound."""
    return _one(scoped(model, actor), model, object_id, options, what)


def _one(stmt: Select, model, object_id: int, options, what: str | None):
    stmt = stmt.where(model.id == object_id)
    if options:
        stmt = stmt.options(*options)
    row = db.session.scalar(stmt)
    if row is None:
        raise NotFound(f"No {what or model.__name__.lower()} {object_id} in your academy.")
    return row


def with_shared(model, actor: Actor, *columns) -> Select:
    """Like ``scoped``, plus the shared rows that belong to no academy (the catalogue)."""
    return sa.select(*(columns or (model,))).where(
        sa.or_(model.academy_id.is_(None), model.academy_id == actor.academy_id)
    )


def get_with_shared(model, object_id: int, actor: Actor, *options, what: str | None = None):
    """One row by id among the shared rows and the caller's academy's, or NotFound."""
    return _one(with_shared(model, actor), model, object_id, options, what)


def through(foreign_key, scoped_ids) -> sa.ColumnElement[bool]:
    """Rows reached through rows already read in the caller's scope: ``foreign_key``
    among their ids. The ids must come from a scoped query; this only says so."""
    if isinstance(scoped_ids, sa.BindParameter):
        return foreign_key.in_(scoped_ids)
    return foreign_key.in_(list(scoped_ids))


def by_credential(model, column, value) -> Select:
    """The row a credential names, before any academy is known (sign-in, refresh,
    invitations): across academies, by a unique column (an email, a secret's hash)."""
    return sa.select(model).where(column == value)
