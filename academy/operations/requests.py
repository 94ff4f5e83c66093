"""Where a request comes from, request ids, security headers, one log line and the
metrics of every request."""

import logging
import re
import time
import uuid

from flask import Flask, g, request
from flask.sessions import SessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from academy.common.etag import NO_STORE
from academy.operations import metrics

log = logging.getLogger("academy.request")

_SAFE_ID = re.compile(r"^[A-Za-z0-9._\-]{1,128}$")
# The operations of the API document: their answers carry tokens, an academy's or a
# client's data, or (the health checks) what is true only now. No cache, browser or
# proxy may keep them, unless the operation says otherwise (a conditional read, the
# calendar feed).
_NO_STORE = re.compile(r"^/(api/v1/|healthz$|readyz$)")
# Addresses whose path is their secret (the calendar feed's): the log writes the
# secret part as "[redacted]", whether or not the address names anything.
_SECRET_PATH = re.compile(r"^(/api/v1/calendar/).+?((?:\.ics)?)\Z", re.DOTALL)


def loggable_path(path: str) -> str:
    """The request's path as the log may keep it: with no secret in it."""
    return _SECRET_PATH.sub(r"\1[redacted]\2", path)


class NoSessions(SessionInterface):
    """Every request is signed in by its bearer token: no cookie session is read or
    written (Flask's default would build a signing serializer for every request)."""

    def open_session(self, app, request):
        return None  # Flask then hands the request a NullSession

    def save_session(self, app, session, response):
        pass


def init_app(app: Flask) -> None:
    app.session_interface = NoSessions()
    if app.config["TRUSTED_PROXIES"]:
        # request.remote_addr (what the rate limits count) then comes from
        # X-Forwarded-For, that many hops back; a client cannot forge the hops nearer.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"])

    @app.before_request
    def start_request():
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    hsts_seconds = app.config["HSTS_SECONDS"]

    @app.after_request
    def finish_request(response):
        request_id = g.get("request_id") or uuid.uuid4().hex
        response.headers["X-Request-ID"] = request_id
        # Every answer, errors included: browsers take the Content-Type as given.
        response.headers["X-Content-Type-Options"] = "nosniff"
        if response.status_code in (204, 304):
            # No content, so no type of content either.
            response.headers.pop("Content-Type", None)
        if _NO_STORE.match(request.path):
            # A view that answers conditional reads may choose its own.
            response.headers.setdefault("Cache-Control", NO_STORE)
        if hsts_seconds:
            response.headers["Strict-Transport-Security"] = f"max-age={hsts_seconds}"
        started = g.get("request_started")
        seconds = time.perf_counter() - started if started else 0.0
        metrics.observe(response, seconds)
        # Method, path, route, status, duration and id only: never a body, a query, a
        # token, a secret in the path, or health data. The log handler adds the
        # request id.
        log.info(
            "request",
            extra={
                "method": request.method,
                "path": loggable_path(request.path),
                "route": request.url_rule.rule if request.url_rule is not None else None,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 2),
            },
        )
        return response
