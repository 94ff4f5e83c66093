"""SQL constructs that read the same on SQLite and PostgreSQL."""

from datetime import date
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from academy.extensions import db


def rows_changed(statement: sa.Update | sa.Delete) -> int:
    """Run an UPDATE or DELETE in the request's session: how many rows it changed."""
    return cast(sa.CursorResult[Any], db.session.execute(statement)).rowcount


class date_add(FunctionElement[date]):
    """``date + days`` as a date: PostgreSQL adds integers to dates, SQLite needs date()."""

    type = sa.Date()
    inherit_cache = True
    name = "date_add"


@compiles(date_add, "postgresql")
def _date_add_postgresql(element, compiler, **kw):
    start, days = list(element.clauses)
    return f"({compiler.process(start, **kw)} + ({compiler.process(days, **kw)}))"


@compiles(date_add, "sqlite")
def _date_add_sqlite(element, compiler, **kw):
    start, days = list(element.clauses)
    return f"date({compiler.process(start, **kw)}, ({compiler.process(days, **kw)}) || ' days')"


class days_between(FunctionElement[int]):
    """``later - earlier`` in whole days, as an integer: PostgreSQL subtracts dates, SQLite
    subtracts Julian day numbers."""

    type = sa.Integer()
    inherit_cache = True
    name = "days_between"


@compiles(days_between, "postgresql")
def _days_between_postgresql(element, compiler, **kw):
    later, earlier = list(element.clauses)
    return f"({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)})"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw):
    later, earlier = list(element.clauses)
    return (
        f"CAST(julianday({compiler.process(later, **kw)}) - "
        f"julianday({compiler.process(earlier, **kw)}) AS INTEGER)"
    )
