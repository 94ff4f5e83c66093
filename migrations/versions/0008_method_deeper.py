"""Pain on assessments; precautions, ladders and the meaning of a side bias on exercises

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 23:50:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    # Existing rows get an empty list or text; the defaults then go: the models write them.
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pain", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.alter_column("pain", server_default=None)

    with op.batch_alter_table("exercises", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("precautions", sa.JSON(), nullable=False, server_default="[]")
        )
        batch_op.add_column(
            sa.Column("progress_when", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("bias_means", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("exercises", schema=None) as batch_op:
        for column in ("precautions", "progress_when", "bias_means"):
            batch_op.alter_column(column, server_default=None)

    op.create_table(
        "exercise_ladder",
        sa.Column("easier_id", sa.Integer(), nullable=False),
        sa.Column("harder_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("easier_id <> harder_id", name=op.f("ck_exercise_ladder_not_itself")),
        sa.ForeignKeyConstraint(
            ["easier_id"],
            ["exercises.id"],
            name=op.f("fk_exercise_ladder_easier_id_exercises"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["harder_id"],
            ["exercises.id"],
            name=op.f("fk_exercise_ladder_harder_id_exercises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("easier_id", "harder_id", name=op.f("pk_exercise_ladder")),
    )
    with op.batch_alter_table("exercise_ladder", schema=None) as batch_op:
        batch_op.create_index("ix_exercise_ladder_harder_id", ["harder_id"], unique=False)


def downgrade():
    with op.batch_alter_table("exercise_ladder", schema=None) as batch_op:
        batch_op.drop_index("ix_exercise_ladder_harder_id")
    op.drop_table("exercise_ladder")
    with op.batch_alter_table("exercises", schema=None) as batch_op:
        batch_op.drop_column("bias_means")
        batch_op.drop_column("progress_when")
        batch_op.drop_column("precautions")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_column("pain")
