"""Activities read right: a sport from a vocabulary and a kind (run or cross-training),
a leg a multisport file, a cadence in revolutions for the sports not on foot

Activities kept before took the sport as their file spelled it (``running``, ``run``,
``biking``, ``fitness_equipment``): each comes to a word of the vocabulary (what no
word names is ``other``), and its kind follows. A cadence stored for a sport not on
foot was the watch's count doubled into steps: it is halved back into ``rpm``. The
figures themselves, and the check-ins the activities fed, are recomputed from the
files by ``flask academy recompute-activities``.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 04:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_SPORTS = (
    "running",
    "trail_running",
    "treadmill_running",
    "track_running",
    "walking",
    "hiking",
    "cycling",
    "swimming",
    "rowing",
    "strength",
    "other",
)
_RUNNING = ("running", "trail_running", "treadmill_running", "track_running")
_ON_FOOT = (*_RUNNING, "walking", "hiking")
# The names files gave, as stored (FIT's names, GPX types and TCX sports lower-cased),
# and the sport each is.
_NAMES = {
    "running": "running",
    "run": "running",
    "9": "running",
    "trail_running": "trail_running",
    "treadmill_running": "treadmill_running",
    "track_running": "track_running",
    "walking": "walking",
    "walk": "walking",
    "10": "walking",
    "hiking": "hiking",
    "hike": "hiking",
    "4": "hiking",
    "mountaineering": "hiking",
    "cycling": "cycling",
    "biking": "cycling",
    "ride": "cycling",
    "e_biking": "cycling",
    "road_biking": "cycling",
    "mountain_biking": "cycling",
    "1": "cycling",
    "swimming": "swimming",
    "swim": "swimming",
    "16": "swimming",
    "lap_swimming": "swimming",
    "open_water_swimming": "swimming",
    "rowing": "rowing",
    "indoor_rowing": "rowing",
    "strength_training": "strength",
}


def _listed(words) -> str:
    return ", ".join(f"'{word}'" for word in words)


def upgrade():
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), nullable=False, server_default="run")
        )
        batch_op.add_column(sa.Column("leg", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("avg_cadence_rpm", sa.Integer(), nullable=True))
    activities = sa.table(
        "activities",
        sa.column("sport", sa.String),
        sa.column("kind", sa.String),
        sa.column("avg_cadence_spm", sa.Integer),
        sa.column("avg_cadence_rpm", sa.Integer),
    )
    stored = sa.func.lower(activities.c.sport)
    op.execute(
        activities.update().values(
            sport=sa.case(
                *((stored == name, sport) for name, sport in _NAMES.items()), else_="other"
            )
        )
    )
    op.execute(
        activities.update().where(activities.c.sport.not_in(_RUNNING)).values(kind="cross_training")
    )
    op.execute(
        activities.update()
        .where(activities.c.sport.not_in(_ON_FOOT))
        .values(avg_cadence_rpm=activities.c.avg_cadence_spm / 2, avg_cadence_spm=None)
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.alter_column("kind", server_default=None)
        batch_op.alter_column("leg", server_default=None)
        batch_op.create_check_constraint(
            op.f("ck_activities_sport"), sa.text(f"sport IN ({_listed(_SPORTS)})")
        )
        batch_op.create_check_constraint(
            op.f("ck_activities_kind"), sa.text("kind IN ('run', 'cross_training')")
        )
        batch_op.drop_constraint("uq_activities_client_id_content_hash", type_="unique")
        batch_op.create_unique_constraint(
            op.f("uq_activities_client_id_content_hash_leg"), ["client_id", "content_hash", "leg"]
        )


def downgrade():
    # A file's legs after the first go: before, a file was one activity.
    op.execute(sa.text("DELETE FROM activities WHERE leg > 1"))
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("uq_activities_client_id_content_hash_leg"), type_="unique")
        batch_op.create_unique_constraint(
            "uq_activities_client_id_content_hash", ["client_id", "content_hash"]
        )
        batch_op.drop_constraint(op.f("ck_activities_kind"), type_="check")
        batch_op.drop_constraint(op.f("ck_activities_sport"), type_="check")
        batch_op.drop_column("avg_cadence_rpm")
        batch_op.drop_column("leg")
        batch_op.drop_column("kind")
