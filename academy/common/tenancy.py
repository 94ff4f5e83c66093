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

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

import sqlalchemy as sa
from sqlalchemy.sql import Select

from academy.common.auth import Actor
from academy.errors import NotFound
from academy.extensions import db

if TYPE_CHECKING:
    # What sa.select takes for a column of a known type (SQLAlchemy's own annotation).
    from sqlalchemy.sql._typing import _TypedColumnClauseArgument as _Column

M = TypeVar("M")
B = TypeVar("B")
T0 = TypeVar("T0")
T1 = TypeVar("T1")
T2 = TypeVar("T2")
T3 = TypeVar("T3")
T4 = TypeVar("T4")
T5 = TypeVar("T5")


def _owner_column(model):
    """The column naming the client a row belongs to (``__client_column__``), if any."""
    return getattr(model, getattr(model, "__client_column__", "client_id"), None)


# ``scoped`` answers a select typed like sa.select's, so that its rows keep the types of
# their columns.
@overload
def scoped(model: type[M], actor: Actor, /) -> Select[M]: ...
@overload
def scoped(model: type, actor: Actor, c0: "_Column[T0]", /) -> Select[T0]: ...
@overload
def scoped(
    model: type, actor: Actor, c0: "_Column[T0]", c1: "_Column[T1]", /
) -> Select[T0, T1]: ...
@overload
def scoped(
    model: type, actor: Actor, c0: "_Column[T0]", c1: "_Column[T1]", c2: "_Column[T2]", /
) -> Select[T0, T1, T2]: ...
@overload
def scoped(
    model: type,
    actor: Actor,
    c0: "_Column[T0]",
    c1: "_Column[T1]",
    c2: "_Column[T2]",
    c3: "_Column[T3]",
    /,
) -> Select[T0, T1, T2, T3]: ...
@overload
def scoped(
    model: type,
    actor: Actor,
    c0: "_Column[T0]",
    c1: "_Column[T1]",
    c2: "_Column[T2]",
    c3: "_Column[T3]",
    c4: "_Column[T4]",
    /,
) -> Select[T0, T1, T2, T3, T4]: ...
@overload
def scoped(
    model: type,
    actor: Actor,
    c0: "_Column[T0]",
    c1: "_Column[T1]",
    c2: "_Column[T2]",
    c3: "_Column[T3]",
    c4: "_Column[T4]",
    c5: "_Column[T5]",
    /,
) -> Select[T0, T1, T2, T3, T4, T5]: ...
@overload
def scoped(model: type, actor: Actor, /, *columns: Any) -> Select: ...
def scoped(model, actor, *columns):
    """``SELECT model`` (or ``columns``) limited to what ``actor`` may see."""
    client_id = actor.id if actor.role == "client" else None
    return _within(model, columns, actor.academy_id, client_id)


def scoped_to_client(model, *columns) -> Select:
    """``scoped`` for a client caller, built once at import for a hot path: the caller
    comes as the parameters ``client_scope(actor)`` gives, so each request only binds."""
    academy_id = sa.bindparam("scope_academy_id", type_=sa.Integer)
    client_id = sa.bindparam("scope_client_id", type_=sa.Integer)
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


class ForIds(Generic[B]):
    """What ``build`` makes of an ids parameter (as ``through`` takes it), built once for
    one id bound alone and once for a list: ``pick`` answers the one to send for some
    ids, with the value to bind. Most reads are of one client or program, and its
    statement is then sent as compiled, with no list to expand into its SQL."""

    def __init__(self, name: str, build: Callable[[sa.BindParameter[Any]], B]):
        self.one = build(sa.bindparam(name))
        self.many = build(sa.bindparam(name, expanding=True))

    def pick(self, ids: Iterable[int]) -> tuple[B, int | list[int]]:
        ids = list(ids)
        return (self.one, ids[0]) if len(ids) == 1 else (self.many, ids)


def through(foreign_key, scoped_ids) -> sa.ColumnElement[bool]:
    """Rows reached through rows already read in the caller's scope: ``foreign_key``
    among their ids. The ids must come from a scoped query; this only says so.

    A parameter stands for the ids in a statement built once: an expanding one for a
    list, any other for one id alone (compared with ``=``, so that the statement is sent
    as compiled, with no list to expand into its SQL on every run)."""
    if isinstance(scoped_ids, sa.BindParameter):
        if scoped_ids.expanding:
            return foreign_key.in_(scoped_ids)
        return foreign_key == scoped_ids
    return foreign_key.in_(list(scoped_ids))


def by_credential(model, column, value) -> Select:
    """The row a credential names, before any academy is known (sign-in, refresh,
    invitations): across academies, by a unique column (an email, a secret's hash)."""
    return sa.select(model).where(column == value)
