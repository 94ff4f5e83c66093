"""Liveness and readiness."""

from typing import Any

import sqlalchemy as sa
from flask.views import MethodView
from marshmallow import Schema, fields
from sqlalchemy.dialects import postgresql, sqlite

from academy.common.blueprint import Blueprint
from academy.common.time import utcnow
from academy.errors import DatabaseUnavailable
from academy.extensions import db
from academy.operations.models import Heartbeat

blp = Blueprint("operations", __name__, description="Health checks")

# Each dialect's INSERT, which both take ON CONFLICT DO UPDATE.
_UPSERT: dict[str, Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class HealthSchema(Schema):
    status = fields.String(metadata={"example": "ok"})


@blp.route("/healthz")
class Health(MethodView):
    @blp.without_database
    @blp.response(200, HealthSchema)
    def get(self):
        """Is the process up"""
        return {"status": "ok"}


@blp.route("/readyz")
class Ready(MethodView):
    @blp.response(200, HealthSchema)
    def get(self):
        """Can the service read and write its database"""
        try:
            _beat()
        except sa.exc.SQLAlchemyError as error:
            # Whatever the reason (down, full, read-only, not migrated), not ready.
            raise DatabaseUnavailable("The database cannot be reached or written.") from error
        return {"status": "ok"}


def _beat() -> None:
    """Upsert the heartbeat row and commit: a write that must reach the disk."""
    insert = _UPSERT[db.session.get_bind().dialect.name](Heartbeat.__table__)
    statement = insert.values(id=1, beat_at=utcnow())
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["id"], set_={"beat_at": statement.excluded.beat_at}
        )
    )
    db.session.commit()
