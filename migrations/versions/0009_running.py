"""Running: run items in programs, activity files from watches, calendar feeds

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-30 23:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("program_items", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), nullable=False, server_default="exercise")
        )
        batch_op.add_column(sa.Column("run", sa.JSON(none_as_null=True), nullable=True))
        batch_op.add_column(sa.Column("planned_distance_m", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("planned_duration_seconds", sa.Integer(), nullable=True))
        batch_op.alter_column("exercise_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint("kind", sa.text("kind IN ('exercise', 'run')"))
        batch_op.create_check_constraint(
            "run_has_no_exercise", sa.text("(kind = 'run') = (exercise_id IS NULL)")
        )
        for field in ("planned_distance_m", "planned_duration_seconds"):
            batch_op.create_check_constraint(
                f"{field}_positive", sa.text(f"{field} IS NULL OR {field} >= 0")
            )
    with op.batch_alter_table("program_items", schema=None) as batch_op:
        batch_op.alter_column("kind", server_default=None)


def downgrade():
    # Run items name no exercise, which the older schema cannot hold.
    op.execute("DELETE FROM check_in_results WHERE item_id IN "
               "(SELECT id FROM program_items WHERE kind = 'run')")  # fmt: skip
    op.execute("DELETE FROM program_items WHERE kind = 'run'")
    with op.batch_alter_table("program_items", schema=None) as batch_op:
        for name in (
            "planned_duration_seconds_positive",
            "planned_distance_m_positive",
            "run_has_no_exercise",
            "kind",
        ):
            batch_op.drop_constraint(op.f(f"ck_program_items_{name}"), type_="check")
        batch_op.alter_column("exercise_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("planned_duration_seconds")
        batch_op.drop_column("planned_distance_m")
        batch_op.drop_column("run")
        batch_op.drop_column("kind")
