"""``GET /metrics``: Prometheus' text format, the same whichever gunicorn worker answers.

Under gunicorn every worker writes its figures to files in ``PROMETHEUS_MULTIPROC_DIR``
(``gunicorn.conf.py`` makes the folder, empties it at start and marks workers that exit
as dead), and the worker that answers a scrape adds them all up. Without that folder
(``flask run``, the tests) the figures are this process's own.

Who may scrape: a caller on the loopback interface (a sidecar, or ``curl`` on the host)
whose request was not forwarded by a proxy; anyone else must send ``METRICS_TOKEN`` as
a bearer token (401 without one, 403 with another). While no token is set, every other
caller gets 404, so the endpoint is not even revealed.

The endpoint is not an API operation and answers text, not JSON, so it stays out of the
OpenAPI document, like ``/docs``.
"""

import hmac
import ipaddress
import os
from typing import Any

import flask
import sqlalchemy as sa
from flask import current_app, request
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, multiprocess
from prometheus_client.exposition import choose_encoder

from academy.config import Config
from academy.errors import Forbidden, NotFound, Unauthorized

# Under gunicorn, prometheus_client writes a process's figures to files in this folder
# from the moment a metric is made (below, at import). A command run where the variable
# is set but no gunicorn made the folder (flask db upgrade in the container) needs it too.
if Config.PROMETHEUS_MULTIPROC_DIR:
    os.makedirs(Config.PROMETHEUS_MULTIPROC_DIR, exist_ok=True)

# The metrics are the process's, not an app's: prometheus_client keeps each one in the
# process (in a file of its own under gunicorn), and a name can be registered only once.
REGISTRY = CollectorRegistry()

REQUESTS = Counter(
    "academy_http_requests",
    "Requests answered, by route template (never the raw path), method and status.",
    ["route", "method", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "academy_http_request_duration_seconds",
    "Time from reading a request to its answer, by route template and method.",
    ["route", "method"],
    registry=REGISTRY,
)
POOL_IN_USE = Gauge(
    "academy_db_pool_connections_in_use",
    "Database connections lent out by the workers' pools.",
    multiprocess_mode="livesum",
    registry=REGISTRY,
)
POOL_OPEN = Gauge(
    "academy_db_pool_connections_open",
    "Database connections the workers' pools hold open, lent out or idle.",
    multiprocess_mode="livesum",
    registry=REGISTRY,
)
FAILED_SIGN_INS = Counter(
    "academy_failed_sign_ins",
    "Refused sign-ins (POST /auth/tokens): wrong credentials (401) or too many (429).",
    ["reason"],
    registry=REGISTRY,
)
REPLAYS = Counter(
    "academy_idempotent_replays",
    "Answers replayed for a repeated Idempotency-Key instead of doing the work again.",
    registry=REGISTRY,
)

SIGN_IN_RULE = "/api/v1/auth/tokens"
SIGN_IN_REFUSALS = {401: "wrong_credentials", 429: "rate_limited"}
UNMATCHED = "unmatched"  # no route: one label for every unknown path

blp = flask.Blueprint("metrics", __name__)


@blp.route("/metrics")
def scrape():
    _check_access()
    registry = REGISTRY
    folder = current_app.config["PROMETHEUS_MULTIPROC_DIR"]
    if folder:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=folder)
    # The text format Prometheus asks for (Accept), OpenMetrics included; 0.0.4 otherwise.
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    return flask.Response(encode(registry), content_type=content_type)


def _check_access() -> None:
    if _from_loopback():
        return
    token = current_app.config["METRICS_TOKEN"]
    if not token:
        raise NotFound("The requested URL was not found on the server.")
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise Unauthorized("Send the metrics token: Authorization: Bearer <METRICS_TOKEN>.")
    if not hmac.compare_digest(presented.strip().encode(), token.encode()):
        raise Forbidden("That is not the metrics token.")


def _from_loopback() -> bool:
    """The peer of the socket (before any proxy header is believed) is this host, and
    the request is its own: a proxy on this host forwards others' requests."""
    if "X-Forwarded-For" in request.headers or "Forwarded" in request.headers:
        return False
    environ = request.environ.get("werkzeug.proxy_fix.orig") or request.environ
    try:
        return ipaddress.ip_address(environ.get("REMOTE_ADDR") or "").is_loopback
    except ValueError:
        return False


def observe(response: flask.Response, seconds: float) -> None:
    """Count one answered request (called once per request by ``requests``)."""
    route = request.url_rule.rule if request.url_rule is not None else UNMATCHED
    REQUESTS.labels(route, request.method, str(response.status_code)).inc()
    LATENCY.labels(route, request.method).observe(seconds)
    if route == SIGN_IN_RULE and request.method == "POST":
        reason = SIGN_IN_REFUSALS.get(response.status_code)
        if reason:
            FAILED_SIGN_INS.labels(reason).inc()
    if response.headers.get("Idempotent-Replayed") == "true":
        REPLAYS.inc()


def init_app(app: flask.Flask, engine: sa.Engine) -> None:
    app.register_blueprint(blp)
    pool: Any = engine.pool  # a QueuePool, whose checkedin() the base class lacks
    if not hasattr(pool, "checkedout"):  # an in-memory SQLite database: one connection
        return

    def measure(*_args) -> None:
        POOL_IN_USE.set(pool.checkedout())
        POOL_OPEN.set(pool.checkedout() + pool.checkedin())

    for event in ("checkout", "checkin", "close", "invalidate"):
        sa.event.listen(engine, event, measure)
