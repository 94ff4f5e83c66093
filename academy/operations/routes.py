"""Liveness and readiness."""

import sqlalchemy as sa
from flask.views import MethodView
from marshmallow import Schema, fields

from academy.common.blueprint import Blueprint
from academy.errors import AcademyError
from academy.extensions import db

blp = Blueprint("operations", __name__, description="Health checks")


class HealthSchema(Schema):
    status = fields.String(metadata={"example": "ok"})


class ServiceUnavailable(AcademyError):
    status, slug = 503, "unavailable"


@blp.route("/healthz")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    def get(self):
        """Is the process up"""
        return {"status": "ok"}


@blp.route("/readyz")
class Ready(MethodView):
    @blp.response(200, HealthSchema)
    @blp.problem(503, "The database is unreachable")
    def get(self):
        """Can the service reach its database"""
        try:
            db.session.execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError as error:
            raise ServiceUnavailable("The database is unreachable.") from error
        finally:
            db.session.rollback()
        return {"status": "ok"}
