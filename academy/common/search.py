"""Search as people type: ``q`` ignores case, accents, spaces and punctuation, so "90
90", "9090" and "90-90" all find 90-90 Breathing, and "jose" finds José.

Each searchable row keeps a ``search_text`` of its searchable fields, each reduced by
``searchable`` and set apart by a newline (so that a query cannot match across two
fields); a query is reduced the same way and looked for inside it, on every database.
"""

import unicodedata

import sqlalchemy as sa


def searchable(text: str) -> str:
    """``text`` folded to lower case, without accents, keeping letters and digits only."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(character for character in decomposed if character.isalnum())


def search_text(*fields: str) -> str:
    """What a row's ``search_text`` holds: each field reduced, one per line."""
    return "\n".join(searchable(field) for field in fields if field)


def matching(column, q: str | None):
    """The condition that ``column`` (a ``search_text``) holds the query; None without
    a query. A query of spaces and punctuation only ("%", "--") finds nothing."""
    if not q or not q.strip():
        return None
    needle = searchable(q)
    return column.contains(needle, autoescape=True) if needle else sa.false()


def keep_search_text(model, *fields: str) -> None:
    """Keep ``model.search_text`` up to date from ``fields`` whenever a row is written,
    whichever path writes it."""

    def refresh(_mapper, _connection, target) -> None:
        values: list[str] = []
        for field in fields:  # a field may hold one text or a list of them (aliases)
            value = getattr(target, field) or ""
            values.extend(value if isinstance(value, list) else [value])
        target.search_text = search_text(*values)

    sa.event.listen(model, "before_insert", refresh)
    sa.event.listen(model, "before_update", refresh)
