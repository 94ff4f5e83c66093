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
