"""SQL constructs that read the same on SQLite and PostgreSQL."""

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement


class date_add(FunctionElement):
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


def column_defaults(table: sa.Table) -> dict:
    """Each column of ``table`` but its primary key, with what the model writes when it
    is left unset (its ``default``, called once if it is a function; otherwise NULL): the
    one source of defaults for a statement that skips the ORM. Values are shared by the
    rows written from them, so the writer must never change one in place."""
    defaults = {}
    for column in table.columns:
        if column.primary_key:
            continue
        default = column.default
        if default is None:
            defaults[column.key] = None
        elif default.is_callable:
            defaults[column.key] = default.arg(None)
        else:
            defaults[column.key] = default.arg
    return defaults


class days_between(FunctionElement):
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
