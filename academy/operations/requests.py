"""Request ids, one log line and the metrics of every request."""

import logging
import re
import time
import uuid

from flask import Flask, g, request

from academy.operations import metrics

log = logging.getLogger("academy.request")

_SAFE_ID = re.compile(r"^[A-Za-z0-9._\-]{1,128}$")


def init_app(app: Flask) -> None:
    @app.before_request
    def start_request():
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def finish_request(response):
        request_id = g.get("request_id") or uuid.uuid4().hex
        response.headers["X-Request-ID"] = request_id
        started = g.get("request_started")
        seconds = time.perf_counter() - started if started else 0.0
        metrics.observe(response, seconds)
        # Method, path, route, status, duration and id only: never a body, a token or
        # health data. The log handler adds the request id.
        log.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "route": request.url_rule.rule if request.url_rule is not None else None,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 2),
            },
        )
        return response
