"""Client summaries: what the dashboard and the client list filter and sort by, per client

The table only: a summary is derived data, worked out from the data stored (check-ins
and their ratings, assignments and program sessions, assessments, activities) by the
code that keeps it up to date on every write. A migration must not run that code, which
reads the schema of the latest revision, not of this one: `flask academy
rebuild-summaries --missing`, which the migrate service and `scripts/serve` run after
every upgrade, fills in the clients that have none. Until then the dashboard reads a
client without a summary as one to look at (its reasons are worked out exactly).

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


def downgrade():
    op.drop_table("client_summaries")
