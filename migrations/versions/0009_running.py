"""Running: run items in programs, activity files from watches, calendar feeds

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 23:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
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

    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("academy_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("check_in_id", sa.Integer(), nullable=True),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("sport", sa.String(length=40), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("distance_m", sa.Float(), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=False),
        sa.Column("moving_seconds", sa.Integer(), nullable=False),
        sa.Column("elevation_gain_m", sa.Float(), nullable=True),
        sa.Column("avg_hr", sa.Integer(), nullable=True),
        sa.Column("max_hr", sa.Integer(), nullable=True),
        sa.Column("avg_cadence_spm", sa.Integer(), nullable=True),
        sa.Column("splits", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("file_key", sa.String(length=200), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            sa.text("format IN ('fit', 'gpx', 'tcx')"), name=op.f("ck_activities_format")
        ),
        sa.ForeignKeyConstraint(
            ["academy_id"], ["academies.id"], name=op.f("fk_activities_academy_id_academies")
        ),
        sa.ForeignKeyConstraint(
            ["check_in_id"],
            ["check_ins.id"],
            name=op.f("fk_activities_check_in_id_check_ins"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_activities_client_id_clients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
        sa.UniqueConstraint(
            "client_id", "content_hash", name=op.f("uq_activities_client_id_content_hash")
        ),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index("ix_activities_academy_id", ["academy_id"], unique=False)
        batch_op.create_index("ix_activities_check_in_id", ["check_in_id"], unique=False)
        batch_op.create_index("ix_activities_client_id_date", ["client_id", "date"], unique=False)

    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("academy_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["academy_id"], ["academies.id"], name=op.f("fk_calendar_feeds_academy_id_academies")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_calendar_feeds_client_id_clients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("client_id", name=op.f("uq_calendar_feeds_client_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feeds_token_hash")),
    )


def downgrade():
    op.drop_table("calendar_feeds")
    op.drop_table("activities")
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
