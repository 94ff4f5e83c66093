"""Liveness, readiness and the offline assets of the docs page."""

import flask
import sqlalchemy as sa
import swagger_ui_bundle
from flask import send_from_directory
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


# A plain Flask blueprint: static files belong in no OpenAPI document.
docs_assets = flask.Blueprint("docs_assets", __name__, url_prefix="/docs/assets")


@docs_assets.route("/<path:filename>")
def docs_asset(filename):
    # Swagger UI's files come from the swagger-ui-bundle package: the page needs no internet.
    return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename, max_age=86400)
