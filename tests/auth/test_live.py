"""Signing in and refreshing against a real gunicorn with 4 worker processes, on the
suite's database (the SQLite file, or TEST_DATABASE_URL): the failure count is shared
by every worker, and concurrent refreshes with one token all succeed."""

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from academy.auth.models import AuthToken, RateLimitHit
from academy.extensions import db
from tests.conftest import PASSWORD, count_rows
from tests.servers import TIMEOUT, call, gunicorn, workers_in

pytestmark = pytest.mark.live

WORKERS = 4


@pytest.fixture
def served(app, tmp_path):
    """The base URL and access log of gunicorn serving the suite's database, with the
    production limits (10 failures per 15 minutes) and cheap Argon2."""
    log = tmp_path / "gunicorn.log"
    settings = {
        "LOGIN_RATE_LIMIT": "10 per 15 minutes",
        "LOGIN_ADDRESS_RATE_LIMIT": "50 per 15 minutes",
        "RATELIMIT_STORAGE_URI": "",
        "TRUSTED_PROXIES": "0",
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_KIB": "1024",
    }
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with gunicorn(url, WORKERS, log, **settings) as base_url:
        yield base_url, log


def together(count: int, send) -> list:
    """``send()``'s answers, ``count`` of them sent at once from as many threads."""
    barrier = threading.Barrier(count)

    def one(_):
        barrier.wait(timeout=TIMEOUT)
        return send()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def sign_in(base_url: str, password: str):
    body = {"email": "cora@north.test", "password": password}
    return call("POST", f"{base_url}/api/v1/auth/tokens", body)


class TestFailedSignInsAcrossWorkers:
    def test_failures_11_to_20_from_one_address_are_429_and_so_is_the_password(self, served, coach):
        base_url, log = served

        first = together(10, lambda: sign_in(base_url, "not the password"))
        then = together(10, lambda: sign_in(base_url, "not the password"))
        right = sign_in(base_url, PASSWORD)

        assert [status for status, _, _ in first] == [401] * 10
        assert [status for status, _, _ in then] == [429] * 10
        for status, headers, body in [*then, right]:
            assert status == 429
            assert 0 < int(headers["Retry-After"]) <= 900
            assert json.loads(body)["type"].endswith("/too-many-requests")
        # Answered by several processes, each counting in the one shared store.
        assert len(workers_in(log, "/api/v1/auth/tokens")) >= 2
        db.session.expire_all()
        assert count_rows(RateLimitHit) == 2 * 10  # for the email+address and the address
        assert count_rows(AuthToken, AuthToken.user_id == coach.id) == 1  # the fixture's


class TestConcurrentRefreshesAcrossWorkers:
    def test_every_refresh_with_one_token_gets_a_pair_and_none_is_revoked(self, served, coach):
        base_url, log = served

        for _round in range(3):
            _, _, body = sign_in(base_url, PASSWORD)
            refresh_token = json.loads(body)["refresh_token"]
            answers = together(
                6,
                lambda token=refresh_token: call(
                    "POST", f"{base_url}/api/v1/auth/tokens/refresh", {"refresh_token": token}
                ),
            )
            assert [status for status, _, _ in answers] == [201] * 6
            for _, _, answer in answers:
                me = call(
                    "GET",
                    f"{base_url}/api/v1/me",
                    headers={"Authorization": f"Bearer {json.loads(answer)['access_token']}"},
                )
                assert me[0] == 200

        assert len(workers_in(log, "/api/v1/auth/tokens/refresh")) >= 2
        db.session.expire_all()
        revoked = db.session.scalar(
            sa.select(sa.func.count()).where(AuthToken.revoked_at.is_not(None))
        )
        assert revoked == 0
