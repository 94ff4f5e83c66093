"""Exercise media and form-check videos: pictures and videos kept in the file storage

Each row names its file (and a picture's thumbnail) by the key Academy gave it in the
storage of FILE_STORAGE_URL; no file moves here (`flask academy move-files` does that).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 03:17:30

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "exercise_media",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("academy_id", sa.Integer(), nullable=False),
        sa.Column("exercise_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("caption", sa.String(length=500), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("file_key", sa.String(length=512), nullable=False),
        sa.Column("thumbnail_key", sa.String(length=512), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('image', 'video')", name=op.f("ck_exercise_media_kind")),
        sa.CheckConstraint("bytes >= 0", name=op.f("ck_exercise_media_bytes_positive")),
        sa.ForeignKeyConstraint(
            ["academy_id"], ["academies.id"], name=op.f("fk_exercise_media_academy_id_academies")
        ),
        sa.ForeignKeyConstraint(
            ["exercise_id"],
            ["exercises.id"],
            name=op.f("fk_exercise_media_exercise_id_exercises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exercise_media")),
    )
    with op.batch_alter_table("exercise_media", schema=None) as batch_op:
        batch_op.create_index(
            "ix_exercise_media_exercise_id_academy_id", ["exercise_id", "academy_id"], unique=False
        )

    op.create_table(
        "check_in_media",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_in_id", sa.Integer(), nullable=False),
        sa.Column("academy_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("caption", sa.String(length=500), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("file_key", sa.String(length=512), nullable=False),
        sa.Column("thumbnail_key", sa.String(length=512), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('image', 'video')", name=op.f("ck_check_in_media_kind")),
        sa.CheckConstraint("bytes >= 0", name=op.f("ck_check_in_media_bytes_positive")),
        sa.ForeignKeyConstraint(
            ["academy_id"], ["academies.id"], name=op.f("fk_check_in_media_academy_id_academies")
        ),
        sa.ForeignKeyConstraint(
            ["check_in_id"],
            ["check_ins.id"],
            name=op.f("fk_check_in_media_check_in_id_check_ins"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_check_in_media_client_id_clients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_in_media")),
    )
    with op.batch_alter_table("check_in_media", schema=None) as batch_op:
        batch_op.create_index("ix_check_in_media_check_in_id", ["check_in_id"], unique=False)
        batch_op.create_index("ix_check_in_media_client_id", ["client_id"], unique=False)


def downgrade():
    with op.batch_alter_table("check_in_media", schema=None) as batch_op:
        batch_op.drop_index("ix_check_in_media_client_id")
        batch_op.drop_index("ix_check_in_media_check_in_id")

    op.drop_table("check_in_media")
    with op.batch_alter_table("exercise_media", schema=None) as batch_op:
        batch_op.drop_index("ix_exercise_media_exercise_id_academy_id")

    op.drop_table("exercise_media")
