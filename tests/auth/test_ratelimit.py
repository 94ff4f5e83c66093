"""Rate limits on signing in and signing up, counted in a store every worker shares.

The suite's limits (TestConfig): 5 failed sign-ins per 15 minutes for one email from
one address, 8 from one address whatever the email, 5 sign-ups per hour per address.
"""

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa

from academy import create_app
from academy.auth.models import Academy, AuthToken, RateLimitHit, User
from academy.auth.ratelimit import RedisStore
from academy.common.time import as_utc
from academy.config import TestConfig
from academy.extensions import db
from tests.conftest import PASSWORD, count_rows, problem_of

WRONG = "not the password"
SIGNUP = {"academy_name": "Hill Harriers", "name": "Hana Hill", "password": "quiet ferns jog"}


def sign_in(http, email="cora@north.test", password=WRONG, address=None):
    headers = {"X-Forwarded-For": address} if address else {}
    return http.post(
        "/api/v1/auth/tokens", json={"email": email, "password": password}, headers=headers
    )


def sign_up(http, email, address=None, **changes):
    headers = {"X-Forwarded-For": address} if address else {}
    body = {**SIGNUP, "email": email, **changes}
    return http.post("/api/v1/auth/signup", json=body, headers=headers)


def retry_after(response) -> int:
    problem_of(response, 429)
    return int(response.headers["Retry-After"])


def age_hits(seconds: float) -> None:
    """Move every stored hit ``seconds`` into the past."""
    for hit in db.session.scalars(sa.select(RateLimitHit)):
        hit.at = as_utc(hit.at) - timedelta(seconds=seconds)
        hit.expires_at = as_utc(hit.expires_at) - timedelta(seconds=seconds)
    db.session.commit()


@contextmanager
def another_app(app, **settings):
    """Another app on the suite's database, as another worker or instance would be."""
    config = {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], **settings}
    other = create_app(type("OtherWorker", (TestConfig,), config))
    try:
        yield other
    finally:
        with other.app_context():
            db.engine.dispose()


def guess_at_once(app, count: int) -> list[int]:
    """The statuses of ``count`` wrong-password sign-ins sent together from threads."""
    barrier = threading.Barrier(count)

    def guess(_):
        http = app.test_client()
        barrier.wait(timeout=30)
        return sign_in(http).status_code

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(guess, range(count)))


class TestFailedSignIns:
    def test_the_6th_failure_for_one_email_from_one_address_is_429_even_with_the_password(
        self, http, coach
    ):
        for _ in range(5):
            problem_of(sign_in(http), 401)

        refused = sign_in(http, password=PASSWORD)

        assert 895 <= retry_after(refused) <= 900
        assert refused.get_json()["detail"] == (
            "Too many failed sign-ins; wait a while before trying again."
        )
        assert count_rows(AuthToken, AuthToken.user_id == coach.id) == 1  # the fixture's

    def test_a_failure_is_counted_although_its_request_answered_401(self, http, coach):
        problem_of(sign_in(http), 401)

        # One hit for the email from the address, one for the address.
        assert count_rows(RateLimitHit) == 2

    def test_a_right_password_gives_its_hits_back(self, http, coach):
        for _ in range(4):
            problem_of(sign_in(http), 401)

        assert sign_in(http, password=PASSWORD).status_code == 201

        assert count_rows(RateLimitHit) == 8
        problem_of(sign_in(http), 401)  # the 5th failure, still allowed

    def test_a_refused_attempt_is_not_counted(self, http, coach):
        for _ in range(5):
            sign_in(http)

        for _ in range(3):
            retry_after(sign_in(http))

        assert count_rows(RateLimitHit) == 10

    def test_retry_after_says_when_the_oldest_failure_leaves_the_window(self, http, coach):
        for _ in range(5):
            sign_in(http)
        age_hits(14 * 60)

        assert 55 <= retry_after(sign_in(http)) <= 60

    def test_after_15_minutes_the_failures_no_longer_count(self, http, coach):
        for _ in range(5):
            sign_in(http)
        age_hits(15 * 60 + 1)

        assert sign_in(http, password=PASSWORD).status_code == 201

    def test_failures_through_two_workers_count_together(self, app, http, coach):
        with another_app(app) as worker:
            for _ in range(3):
                problem_of(sign_in(http), 401)
            for _ in range(2):
                problem_of(sign_in(worker.test_client()), 401)

            retry_after(sign_in(worker.test_client(), password=PASSWORD))
        retry_after(sign_in(http, password=PASSWORD))

    def test_one_address_failing_for_many_emails_is_429_at_the_9th(self, http, coach):
        for n in range(8):
            problem_of(sign_in(http, f"guess{n}@north.test"), 401)

        retry_after(sign_in(http, "cora@north.test", PASSWORD))

    def test_of_concurrent_guesses_exactly_the_limit_get_through(self, app, coach):
        statuses = guess_at_once(app, 10)

        assert sorted(statuses) == [401] * 5 + [429] * 5
        assert count_rows(RateLimitHit) == 2 * 5
        retry_after(sign_in(app.test_client(), password=PASSWORD))


class TestTrustedProxies:
    def test_without_trusted_proxies_a_forged_forwarded_for_changes_nothing(self, http, coach):
        for n in range(5):
            sign_in(http, address=f"203.0.113.{n}")

        retry_after(sign_in(http, password=PASSWORD, address="198.51.100.7"))

    def test_with_one_the_address_comes_from_forwarded_for(self, app, coach):
        with another_app(app, TRUSTED_PROXIES=1) as proxied:
            http = proxied.test_client()
            for _ in range(5):
                problem_of(sign_in(http, address="203.0.113.5"), 401)

            # The guesser is limited; the account's owner, elsewhere, is not.
            retry_after(sign_in(http, password=PASSWORD, address="203.0.113.5"))
            owner = sign_in(http, password=PASSWORD, address="198.51.100.7")
            assert owner.status_code == 201
            # Only the last hop counts: what the client wrote before it is not trusted.
            forged = sign_in(http, password=PASSWORD, address="198.51.100.7, 203.0.113.5")
            retry_after(forged)


class TestSignUpLimit:
    def test_the_6th_sign_up_from_one_address_in_an_hour_is_429_and_stores_nothing(self, http):
        for n in range(5):
            assert sign_up(http, f"owner{n}@hill.test").status_code == 201

        refused = sign_up(http, "owner5@hill.test")

        assert 3595 <= retry_after(refused) <= 3600
        assert count_rows(Academy) == 5
        assert count_rows(User, User.email == "owner5@hill.test") == 0

    def test_sign_ups_refused_with_409_count_too(self, http, coach):
        for _ in range(5):
            problem_of(sign_up(http, "cora@north.test"), 409)

        retry_after(sign_up(http, "new@hill.test"))
        assert count_rows(Academy) == 1

    def test_weak_passwords_do_not_count(self, http):
        for _ in range(6):
            problem_of(sign_up(http, "hana@hill.test", password="password1234"), 422)

        assert sign_up(http, "hana@hill.test").status_code == 201

    def test_another_address_is_not_limited(self, app):
        with another_app(app, TRUSTED_PROXIES=1) as proxied:
            http = proxied.test_client()
            for n in range(5):
                sign_up(http, f"owner{n}@hill.test", address="203.0.113.5")

            retry_after(sign_up(http, "late@hill.test", address="203.0.113.5"))
            assert sign_up(http, "late@hill.test", address="198.51.100.7").status_code == 201


class TestPurge:
    def test_purge_keys_deletes_only_expired_hits(self, app, http, coach):
        for _ in range(2):
            sign_in(http, "someone@else.test")
        age_hits(15 * 60 + 1)
        sign_in(http)

        result = app.test_cli_runner().invoke(args=["academy", "purge-keys"])

        assert result.exit_code == 0
        # The expired hit of the address went with the new one; the email's stayed.
        assert "Deleted 2 expired rate-limit hits." in result.output
        assert count_rows(RateLimitHit) == 2

    def test_a_new_hit_deletes_its_keys_expired_hits(self, http, coach):
        for _ in range(3):
            sign_in(http)
        age_hits(15 * 60 + 1)

        sign_in(http)

        assert count_rows(RateLimitHit) == 2


class TestStorage:
    def test_counters_kept_in_one_process_only_are_refused(self):
        with pytest.raises(ValueError, match="shared by every worker"):
            create_app(
                {"SQLALCHEMY_DATABASE_URI": "sqlite://", "RATELIMIT_STORAGE_URI": "memory://"}
            )


@pytest.fixture
def redis_url():
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("set TEST_REDIS_URL to a Redis database the suite may use")
    store = RedisStore(url)

    def clear():
        for key in store.redis.scan_iter(match=RedisStore.PREFIX + "*"):
            store.redis.delete(key)

    clear()
    yield url
    clear()


class TestRedisStorage:
    def test_redis_counts_for_every_worker_and_nothing_goes_to_the_database(
        self, app, coach, redis_url
    ):
        with (
            another_app(app, RATELIMIT_STORAGE_URI=redis_url) as first,
            another_app(app, RATELIMIT_STORAGE_URI=redis_url) as second,
        ):
            for worker in (first, second, first, second):
                problem_of(sign_in(worker.test_client()), 401)
            problem_of(sign_in(second.test_client()), 401)

            refused = sign_in(first.test_client(), password=PASSWORD)

            assert 895 <= retry_after(refused) <= 900
            assert count_rows(RateLimitHit) == 0

    def test_a_right_password_gives_its_hits_back_in_redis(self, app, coach, redis_url):
        with another_app(app, RATELIMIT_STORAGE_URI=redis_url) as worker:
            http = worker.test_client()
            for _ in range(4):
                sign_in(http)
            for _ in range(3):
                assert sign_in(http, password=PASSWORD).status_code == 201

            problem_of(sign_in(http), 401)
            retry_after(sign_in(http))

    def test_of_concurrent_guesses_exactly_the_limit_get_through_redis(self, app, coach, redis_url):
        with another_app(app, RATELIMIT_STORAGE_URI=redis_url) as worker:
            statuses = guess_at_once(worker, 10)

            assert sorted(statuses) == [401] * 5 + [429] * 5
            retry_after(sign_in(worker.test_client(), password=PASSWORD))
