"""Counting failed sign-ins per email and per address (the ``limits`` library).

Each app gets its own limiter and storage, built from its configuration; with a
Redis storage URI the counters are shared by every worker.
"""

import time

from flask import Flask, current_app
from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from academy.errors import TooManyRequests

EXTENSION = "academy.login_limiter"


def init_app(app: Flask) -> None:
    storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
    app.extensions[EXTENSION] = (
        MovingWindowRateLimiter(storage),
        parse_many(app.config["LOGIN_RATE_LIMIT"]),
    )


def _keys(email: str, address: str | None) -> list[tuple[str, str]]:
    return [("login-email", email.strip().lower()), ("login-address", address or "unknown")]


def check(email: str, address: str | None) -> None:
    """429 when this email or address has failed too often recently."""
    limiter, limits = current_app.extensions[EXTENSION]
    for key in _keys(email, address):
        for limit in limits:
            if not limiter.test(limit, *key):
                reset_at, _ = limiter.get_window_stats(limit, *key)
                raise TooManyRequests(
                    "Too many failed sign-ins; wait a while before trying again.",
                    retry_after=max(1, int(reset_at - time.time())),
                )


def record_failure(email: str, address: str | None) -> None:
    limiter, limits = current_app.extensions[EXTENSION]
    for key in _keys(email, address):
        for limit in limits:
            limiter.hit(limit, *key)
