"""The interactive docs page: Swagger UI 5, served from the app itself.

Swagger UI's files come from the flask-swagger-ui package, so the page needs no
internet. Its configuration lives in ``static/docs.js`` rather than in the page,
so that the Content-Security-Policy can forbid inline scripts.
"""

from pathlib import Path

import flask
import flask_swagger_ui

SWAGGER_UI = Path(flask_swagger_ui.__file__).resolve().parent / "dist"

# Only the app itself. Swagger UI's stylesheet draws its icons from data: URLs.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)

# A plain Flask blueprint: the docs are not API operations, so they stay out of the
# OpenAPI document.
blp = flask.Blueprint(
    "docs",
    __name__,
    url_prefix="/docs",
    template_folder="templates",
    static_folder="static",
)


@blp.route("")
def page():
    return flask.render_template("docs.html")


@blp.route("/assets/<path:filename>")
def asset(filename):
    return flask.send_from_directory(SWAGGER_UI, filename, max_age=86400)


@blp.after_request
def content_security_policy(response):
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response
