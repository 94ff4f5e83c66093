"""Academy: the REST backend of a running-coach academy."""

import os
from collections.abc import Mapping
from pathlib import Path

from flask import Flask

from academy import cli, database, errors
from academy.activities.storage import upload_limit
from academy.audit import service as audit_log
from academy.auth import passwords, ratelimit
from academy.common import idempotency
from academy.common.api import Api, document_cache_control, require_answer_fields
from academy.config import Config, database_url
from academy.extensions import cors, db, migrate
from academy.files import images as file_images
from academy.files import storage as file_storage
from academy.files.uploads import body_limit as media_limit
from academy.mail import delivery as mail_delivery
from academy.operations import logs, metrics, requests
from academy.operations.bodies import BoundedBodies

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

API_DESCRIPTION = """\
The backend of a running-coach academy. Coaches keep an exercise catalogue, build
programs, assign them to clients, read check-ins and record posture assessments;
client apps fetch today's session and post check-ins.

Send `Authorization: Bearer <access_token>` (from `POST /api/v1/auth/tokens`) on every
call except the health checks, sign-up, token creation and invitation acceptance.
`x-roles` on an operation names the roles that may call it (`owner`, `coach`,
`client`); any other role gets 403. Without it, any signed-in user may.
Errors are `application/problem+json`. Lists take `page` and `page_size` (at most 100)
and describe the pages in the `X-Pagination` header.
Text is I-JSON (RFC 7493): a string holding U+0000 (which the `pattern` of every free
text excludes) or an unpaired surrogate is 422 naming the field.
Every answer says in `Cache-Control` what a cache may keep: `no-store`, but for the
reads that answer an `ETag` to `If-None-Match` (`private, no-cache`) and the calendar
feed (`private, max-age=300`).
"""


def create_app(config: type | Mapping | None = None) -> Flask:
    """Build an app. ``config`` is a Config subclass or a mapping of overrides."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(Config)
    if isinstance(config, Mapping):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(
        app.config.get("SQLALCHEMY_DATABASE_URI")
    ) or _default_database(app)
    logs.configure(app.config["LOG_LEVEL"], app.config["LOG_REPEAT_SECONDS"])
    # Keep the field order of the schemas (Flask's default JSON provider sorts keys).
    app.json.sort_keys = False  # type: ignore[attr-defined]

    database.engine_options(app)
    db.init_app(app)
    database.configure_engine(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    cors.init_app(
        app,
        resources={r"/api/*": {"origins": app.config["CORS_ORIGINS"]}},
        expose_headers=["ETag", "X-Pagination", "X-Request-ID", "Retry-After"],
        allow_headers=["Authorization", "Content-Type", "If-Match", "Idempotency-Key"],
    )
    passwords.init_app(app)
    mail_delivery.init_app(app)
    ratelimit.init_app(app)
    requests.init_app(app)
    idempotency.init_app(app)
    metrics.init_app(app, database.engine(app))
    file_storage.init_app(app)
    file_images.init_app(app)
    # The routes set their own bounds (uploads larger ones); chunked bodies are read up
    # to the largest.
    limit = app.config["MAX_CONTENT_LENGTH"]
    largest = None
    if limit is not None:
        largest = max(limit, upload_limit(app.config), media_limit(app.config))
    app.wsgi_app = BoundedBodies(app.wsgi_app, largest)  # type: ignore[method-assign]

    # One Api per app: flask-smorest keeps the OpenAPI spec on it.
    api = Api(app, spec_kwargs={"info": {"description": API_DESCRIPTION}})
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "opaque token"}
    )
    _register_blueprints(app, api)
    require_answer_fields(api.spec)
    document_cache_control(api.spec)
    audit_log.init_app(app)
    _keep_summaries(app)
    errors.register_error_handlers(app)
    cli.init_app(app)
    return app


def _default_database(app: Flask) -> str:
    os.makedirs(app.instance_path, exist_ok=True)
    return "sqlite:///" + os.path.join(app.instance_path, "academy.db")


def _register_blueprints(app: Flask, api: Api) -> None:
    # Imported here: the routes pull in every domain, and models must load first. Importing
    # them also provides the figures one domain shows for another (academy.common.figures).
    from academy import models  # noqa: F401 - every table
    from academy.activities.routes import blp as activities
    from academy.assessments.routes import blp as assessments
    from academy.audit.routes import blp as audit
    from academy.auth.routes import blp as auth
    from academy.calendar.routes import blp as calendar
    from academy.checkins.routes import blp as checkins
    from academy.clients.routes import blp as clients
    from academy.exercises.routes import blp as exercises
    from academy.files.routes import blp as files
    from academy.guard.routes import blp as guard
    from academy.messages.routes import blp as messages
    from academy.operations.docs import blp as docs
    from academy.operations.routes import blp as operations
    from academy.privacy.routes import blp as privacy
    from academy.programs.routes import blp as programs
    from academy.progress.routes import blp as progress
    from academy.schedule.routes import blp as schedule

    for blueprint in (
        operations, auth, clients, exercises, programs, schedule, checkins, progress,
        assessments, messages, privacy, audit, activities, calendar, guard,
    ):  # fmt: skip
        api.register_blueprint(blueprint)
    app.register_blueprint(docs)
    app.register_blueprint(files)


def _keep_summaries(app: Flask) -> None:
    # Imported here, as the routes are: the summaries read several domains' models.
    from academy.checkins import summaries

    summaries.init_app(app)
