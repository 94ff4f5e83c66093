"""Where a request comes from, request ids, security headers, one log line and the
metrics of every request."""

import ipaddress
import logging
import re
import time
import uuid
from urllib.parse import urlsplit

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


class TrustedProxies:
    """WSGI middleware: a request that the trusted proxy forwarded takes its client's
    address from X-Forwarded-For (``hops`` back) and its scheme, host and port from
    the proxy's X-Forwarded-Proto, -Host and -Port. A request from any other address
    is taken as it came (its peer's address, its own Host and scheme): its
    X-Forwarded-* headers are ignored rather than refused, so a client behind a
    forward proxy of its own still gets through, and gains nothing by forging them."""

    def __init__(self, app, hops: int, networks: list[ipaddress.IPv4Network]):
        self.app = app
        self.networks = networks
        self.forwarded = ProxyFix(app, x_for=hops, x_proto=1, x_host=1, x_port=1)

    def trusts(self, address: str | None) -> bool:
        try:
            peer = ipaddress.ip_address(address or "")
        except ValueError:
            return False
        peer = getattr(peer, "ipv4_mapped", None) or peer
        return any(peer in network for network in self.networks)

    def __call__(self, environ, start_response):
        if self.trusts(environ.get("REMOTE_ADDR")):
            return self.forwarded(environ, start_response)
        return self.app(environ, start_response)


def proxy_networks(cidrs: list[str]) -> list:
    """TRUSTED_PROXY_ADDRESSES as networks; a value that is none is refused at start."""
    networks = []
    for cidr in cidrs:
        try:
            networks.append(ipaddress.ip_network(cidr, strict=False))
        except ValueError:
            raise ValueError(
                f"TRUSTED_PROXY_ADDRESSES: {cidr!r} is not an address or a network "
                "(10.77.0.0/24, 127.0.0.1)."
            ) from None
    return networks


def check_public_url(url: str | None) -> None:
    """PUBLIC_URL is http(s)://host[:port][/prefix], with nothing after the path."""
    if url is None:
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(
            f"PUBLIC_URL must be the address clients reach Academy at, such as "
            f"https://academy.example.com, not {url!r}."
        )


def init_app(app: Flask) -> None:
    app.session_interface = NoSessions()
    check_public_url(app.config["PUBLIC_URL"])
    networks = proxy_networks(app.config["TRUSTED_PROXY_ADDRESSES"])
    if app.config["TRUSTED_PROXIES"]:
        # request.remote_addr (what the rate limits count) then comes from
        # X-Forwarded-For, that many hops back, when the proxy sent the request; a
        # client cannot forge the hops nearer, nor any of it by going round the proxy.
        app.wsgi_app = TrustedProxies(  # type: ignore[method-assign]
            app.wsgi_app, app.config["TRUSTED_PROXIES"], networks
        )

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
