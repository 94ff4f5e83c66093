"""One account per email; shared rate-limit counters; when a token was rotated

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 20:05:12.481306

"""

import sqlalchemy as sa
from alembic import op
from alembic.util import CommandError

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_users = sa.table("users", sa.column("id", sa.Integer), sa.column("email", sa.String))
_tokens = sa.table(
    "auth_tokens",
    sa.column("rotated", sa.Boolean),
    sa.column("rotated_at", sa.DateTime(timezone=True)),
    sa.column("revoked_at", sa.DateTime(timezone=True)),
)


def _normalised(email: str) -> str:
    # As academy.auth.service.normalise_email does for every email the API stores.
    return email.strip().lower()


def _one_account_per_email() -> None:
    """Store every email lower-cased, or stop, changing nothing, when two accounts share
    one (ignoring case): the operator decides which keeps it."""
    connection = op.get_bind()
    rows = connection.execute(sa.select(_users.c.id, _users.c.email)).all()
    seen: set[str] = set()
    shared: set[str] = set()
    for _id, email in rows:
        email = _normalised(email)
        (shared if email in seen else seen).add(email)
    if shared:
        # The count only: the emails themselves are personal data, and logs keep them.
        raise CommandError(
            f"{len(shared)} email(s) belong to more than one account (ignoring case); "
            "Academy now allows one account per email. Find them with\n"
            "  SELECT lower(trim(email)), count(*) FROM users "
            "GROUP BY lower(trim(email)) HAVING count(*) > 1;\n"
            "then give all but one of each group's accounts another email (PATCH "
            "/api/v1/clients/{id} for a client) or erase them, and upgrade again. "
            "Nothing was changed."
        )
    for user_id, email in rows:
        if email != _normalised(email):
            connection.execute(
                sa.update(_users).where(_users.c.id == user_id).values(email=_normalised(email))
            )


def upgrade():
    _one_account_per_email()
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint("uq_users_academy_id_email", type_="unique")
        batch_op.drop_index("ix_users_email")
        batch_op.create_unique_constraint("uq_users_email", ["email"])

    op.create_table(
        "rate_limit_hits",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_limit_hits")),
    )
    with op.batch_alter_table("rate_limit_hits", schema=None) as batch_op:
        batch_op.create_index("ix_rate_limit_hits_expires_at", ["expires_at"], unique=False)
        batch_op.create_index("ix_rate_limit_hits_key_at", ["key", "at"], unique=False)

    # `rotated` becomes the time of the rotation, which used to revoke the pair at once.
    with op.batch_alter_table("auth_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        _tokens.update().where(_tokens.c.rotated.is_(True)).values(rotated_at=_tokens.c.revoked_at)
    )
    with op.batch_alter_table("auth_tokens", schema=None) as batch_op:
        batch_op.drop_column("rotated")


def downgrade():
    with op.batch_alter_table("auth_tokens", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("rotated", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(
        _tokens.update()
        .where(_tokens.c.rotated_at.is_not(None))
        .values(
            rotated=True, revoked_at=sa.func.coalesce(_tokens.c.revoked_at, _tokens.c.rotated_at)
        )
    )
    with op.batch_alter_table("auth_tokens", schema=None) as batch_op:
        batch_op.alter_column("rotated", server_default=None)
        batch_op.drop_column("rotated_at")

    op.drop_table("rate_limit_hits")
    # Emails stay lower-cased: nothing remembers how they were typed.
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint("uq_users_email", type_="unique")
        batch_op.create_index("ix_users_email", ["email"], unique=False)
        batch_op.create_unique_constraint("uq_users_academy_id_email", ["academy_id", "email"])
