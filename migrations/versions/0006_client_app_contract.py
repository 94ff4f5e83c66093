"""Check-ins carry a version and one per session; names and emails searchable as typed

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 21:33:56.461457

"""

import unicodedata

import sqlalchemy as sa
from alembic import op
from alembic.util import CommandError

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_check_ins = sa.table(
    "check_ins",
    sa.column("id", sa.Integer),
    sa.column("assignment_id", sa.Integer),
    sa.column("session_id", sa.Integer),
)


def _searchable(text: str) -> str:
    # As academy.common.search.searchable reduces text at this revision.
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(character for character in decomposed if character.isalnum())


def _search_text(*fields: str) -> str:
    return "\n".join(_searchable(field) for field in fields if field)


def _one_check_in_per_session() -> None:
    """Stop, changing nothing, when a session of an assignment holds two check-ins: the
    coach or client decides which one stays."""
    twice = op.get_bind().scalar(
        sa.select(sa.func.count()).select_from(
            sa.select(_check_ins.c.assignment_id, _check_ins.c.session_id)
            .where(_check_ins.c.session_id.is_not(None))
            .group_by(_check_ins.c.assignment_id, _check_ins.c.session_id)
            .having(sa.func.count() > 1)
            .subquery()
        )
    )
    if twice:
        raise CommandError(
            f"{twice} session(s) of assignments hold more than one check-in; Academy now "
            "keeps one per session. Find them with\n"
            "  SELECT assignment_id, session_id, count(*) FROM check_ins WHERE session_id "
            "IS NOT NULL GROUP BY assignment_id, session_id HAVING count(*) > 1;\n"
            "then delete or detach (set session_id to NULL) all but one of each, and "
            "upgrade again. Nothing was changed."
        )


def _fill(table: str, *fields: str) -> None:
    """Write each row's search_text from its fields (lists of text joined)."""
    connection = op.get_bind()
    rows = sa.table(table, sa.column("id", sa.Integer), sa.column("search_text", sa.Text),
                    *(sa.column(f, sa.JSON if f in ("aliases", "cues") else sa.Text)
                      for f in fields))  # fmt: skip
    for row in connection.execute(sa.select(rows.c.id, *(rows.c[f] for f in fields))).all():
        values = []
        for value in row[1:]:
            values.extend(value if isinstance(value, list) else [value or ""])
        connection.execute(
            sa.update(rows).where(rows.c.id == row[0]).values(search_text=_search_text(*values))
        )


def upgrade():
    _one_check_in_per_session()
    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )
        batch_op.drop_index("ix_check_ins_assignment_id_session_id")
        batch_op.create_index(
            "uq_check_ins_assignment_id_session_id",
            ["assignment_id", "session_id"],
            unique=True,
            sqlite_where=sa.text("session_id IS NOT NULL"),
            postgresql_where=sa.text("session_id IS NOT NULL"),
        )
    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.alter_column("version", server_default=None)

    for table, fields in (
        ("programs", ("name",)),
        ("users", ("name", "email")),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("search_text", sa.Text(), nullable=False, server_default="")
            )
        _fill(table, *fields)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("search_text", server_default=None)
    # Exercises kept a lower-cased search text; now it ignores accents, spaces and
    # punctuation too.
    _fill("exercises", "name", "aliases", "cues")


def downgrade():
    for table in ("users", "programs"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("search_text")
    connection = op.get_bind()
    exercises = sa.table(
        "exercises",
        sa.column("id", sa.Integer),
        sa.column("name", sa.Text),
        sa.column("aliases", sa.JSON),
        sa.column("cues", sa.JSON),
        sa.column("search_text", sa.Text),
    )
    for row in connection.execute(
        sa.select(exercises.c.id, exercises.c.name, exercises.c.aliases, exercises.c.cues)
    ).all():
        text = "\n".join([row.name, *(row.aliases or []), *(row.cues or [])]).lower()
        connection.execute(
            sa.update(exercises).where(exercises.c.id == row.id).values(search_text=text)
        )
    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_check_ins_assignment_id_session_id",
            sqlite_where=sa.text("session_id IS NOT NULL"),
            postgresql_where=sa.text("session_id IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_check_ins_assignment_id_session_id", ["assignment_id", "session_id"], unique=False
        )
        batch_op.drop_column("version")
