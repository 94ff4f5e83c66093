"""Client summaries: what the dashboard and the client list filter and sort by, per client

The summaries are worked out from the data already stored (check-ins and their ratings,
assignments and program sessions, assessments) by the code that keeps them up to date on
every write, ``academy.checkins.summaries.rebuild``: a summary is derived data, and only
that code knows how. ``flask academy rebuild-summaries`` does the same at any time. Then
the planner's statistics are refreshed, so that SQLite reads a client's rows through the
client's own indexes.

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-07 03:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "client_summaries",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("last_check_in", sa.Date(), nullable=True),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("attention", sa.Text(), nullable=False),
        sa.Column("compliance_7d", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_client_summaries_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_client_summaries")),
    )
    from academy import database
    from academy.checkins import summaries

    if summaries.rebuild(op.get_bind()):
        # The planner's statistics too, for the reads that now go through the summaries.
        database.analyze(op.get_bind())


def downgrade():
    op.drop_table("client_summaries")
