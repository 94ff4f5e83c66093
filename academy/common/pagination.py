"""Pagination of SQL queries in two statements: a count and the page itself."""

import sqlalchemy as sa

from academy.extensions import db


def paginate(
    stmt: sa.Select, pagination_parameters, *, unique: bool = False, rows: bool = False
) -> list:
    """Run ``stmt`` for the requested page and tell flask-smorest the total.

    flask-smorest turns the total into the ``X-Pagination`` header. The page is a list of
    objects, or of rows with ``rows`` (a read that selects columns, not entities).
    """
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
    )
    pagination_parameters.item_count = total
    page_stmt = stmt.limit(pagination_parameters.page_size).offset(pagination_parameters.first_item)
    if rows:
        return list(db.session.execute(page_stmt).all())
    result = db.session.scalars(page_stmt)
    return list(result.unique() if unique else result)


def paginate_list(items: list, pagination_parameters) -> list:
    """One page of a list computed in Python (from aggregates), with the same header."""
    pagination_parameters.item_count = len(items)
    first = pagination_parameters.first_item
    return items[first : first + pagination_parameters.page_size]
