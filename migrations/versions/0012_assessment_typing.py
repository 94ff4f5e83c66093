"""What an assessment records beyond posture: symptoms, injuries, hip drop; a client's birth date

Pain entries gain `aggravated_by` inside their JSON: entries stored before read as
having none, so no data changes.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 02:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_HIP_DROP = "gait_hip_drop IS NULL OR gait_hip_drop IN ('none', 'left', 'right', 'both')"


def upgrade():
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("symptoms", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("injuries", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("gait_hip_drop", sa.String(length=8), nullable=True))
        batch_op.create_check_constraint(op.f("ck_assessments_gait_hip_drop"), sa.text(_HIP_DROP))
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.alter_column("symptoms", server_default=None)
        batch_op.alter_column("injuries", server_default=None)
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("birth_date", sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_column("birth_date")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_assessments_gait_hip_drop"), type_="check")
        batch_op.drop_column("gait_hip_drop")
        batch_op.drop_column("injuries")
        batch_op.drop_column("symptoms")
