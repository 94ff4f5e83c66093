"""An academy's invitations are limited: 50 an hour and 200 a day, 10 an hour in its
first day (the production defaults, which the suite keeps). Every invitation counts:
new clients, new codes, coaches invited, a new email for a client, and an email that
already has an account (409). Past the limit: 429 with Retry-After, nothing stored,
no mail. The count lives in the store every worker shares."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from academy.auth.models import Academy, Invitation, RateLimitHit, User
from academy.clients.models import Client
from academy.common.auth import digest
from academy.common.time import utcnow
from academy.extensions import db
from academy.mail.models import OutboxMail
from tests.auth.test_ratelimit import age_hits, another_app, redis_url  # noqa: F401
from tests.conftest import count_rows, problem_of

HOUR, DAY = 3600, 86400


def invite(http, actor, n: int, **changes):
    body = {"name": f"Runner {n}", "email": f"runner{n}@invited.test", **changes}
    return http.post("/api/v1/clients", json=body, headers=actor.headers)


def invite_many(http, actor, count: int, start: int = 0) -> list[int]:
    return [invite(http, actor, n).status_code for n in range(start, start + count)]


def refused(response, longest: int, shortest: int | None = None) -> int:
    """Assert a 429 problem whose Retry-After lies in [shortest, longest]; return it."""
    problem = problem_of(response, 429)
    assert problem["type"].endswith("/too-many-requests")
    assert "invitations" in problem["detail"]
    wait = int(response.headers["Retry-After"])
    assert (longest - 5 if shortest is None else shortest) <= wait <= longest, wait
    return wait


def stored() -> tuple[int, int, int]:
    """(clients, open invitations, mails) in the database."""
    db.session.expire_all()
    return (
        count_rows(Client),
        count_rows(Invitation, Invitation.closed_at.is_(None)),
        count_rows(OutboxMail),
    )


@pytest.fixture
def established(academy):
    """The coach's academy, two days old."""
    academy.created_at = utcnow() - timedelta(days=2)
    db.session.commit()
    return academy


class TestFirstDay:
    def test_a_new_academy_sends_10_in_an_hour_and_the_11th_is_429_with_nothing_stored(
        self, http, coach
    ):
        statuses = invite_many(http, coach, 10)

        over = invite(http, coach, 10)

        assert statuses == [201] * 10
        refused(over, HOUR)
        assert stored() == (10, 10, 10)
        assert count_rows(User, User.email == "runner10@invited.test") == 0

    def test_an_hour_later_it_sends_10_more(self, http, coach):
        invite_many(http, coach, 10)
        age_hits(HOUR + 1)

        assert invite_many(http, coach, 10, start=10) == [201] * 10
        refused(invite(http, coach, 20), HOUR)


class TestEstablishedAcademy:
    def test_it_sends_50_in_an_hour_and_the_51st_is_429(self, http, coach, established):
        statuses = invite_many(http, coach, 50)

        over = invite(http, coach, 50)

        assert statuses == [201] * 50
        refused(over, HOUR)
        assert stored() == (50, 50, 50)

    def test_it_sends_200_in_a_day_and_the_201st_waits_for_the_first_to_age(
        self, http, coach, established
    ):
        for hour in range(4):
            assert invite_many(http, coach, 50, start=50 * hour) == [201] * 50
            age_hits(HOUR + 1)

        over = invite(http, coach, 200)

        # The first 50 are 4 hours old (and the test's own seconds): one more fits once
        # they are a day old.
        refused(over, DAY - 4 * (HOUR + 1), DAY - 4 * (HOUR + 1) - 60)
        assert stored() == (200, 200, 200)


class TestWhatCounts:
    def test_an_email_that_has_an_account_is_409_and_counts(self, http, coach, other_academy_coach):
        taken = [invite(http, coach, n, email="sven@south.test") for n in range(10)]

        over = invite(http, coach, 10)

        assert [problem_of(r, 409)["status"] for r in taken] == [409] * 10
        refused(over, HOUR)
        # Past the limit, a taken email is 429 too: the answer tells nothing more.
        refused(invite(http, coach, 11, email="sven@south.test"), HOUR)
        assert stored() == (0, 0, 0)

    def test_new_codes_count_and_past_the_limit_the_open_code_stays(self, http, coach):
        client = invite(http, coach, 0).get_json()
        again = [
            http.post(f"/api/v1/clients/{client['id']}/invitation", headers=coach.headers)
            for _ in range(9)
        ]
        last_code = again[-1].get_json()["code"]

        over = http.post(f"/api/v1/clients/{client['id']}/invitation", headers=coach.headers)

        assert [r.status_code for r in again] == [201] * 9
        refused(over, HOUR)
        assert stored() == (1, 1, 10)
        open_code = db.session.scalar(sa.select(Invitation).where(Invitation.closed_at.is_(None)))
        assert open_code.code_hash == digest(last_code)

    def test_a_refused_reissue_does_not_count(self, http, coach, client_user):
        # client_user has accepted: a new code is 409 without reset_access.
        for _ in range(12):
            problem_of(
                http.post(f"/api/v1/clients/{client_user.id}/invitation", headers=coach.headers),
                409,
            )

        assert invite_many(http, coach, 10) == [201] * 10

    def test_coaches_invited_by_the_owner_count(self, http, owner, coach):
        coaches = [
            http.post(
                "/api/v1/coaches",
                json={"name": f"Coach {n}", "email": f"coach{n}@invited.test"},
                headers=owner.headers,
            ).status_code
            for n in range(4)
        ]

        assert coaches == [201] * 4
        assert invite_many(http, coach, 6) == [201] * 6
        refused(invite(http, coach, 6), HOUR)

    def test_a_new_email_for_a_client_counts_and_the_same_one_does_not(
        self, http, coach, client_user, other_academy_coach
    ):
        def patch(email):
            etag = http.get(f"/api/v1/clients/{client_user.id}", headers=coach.headers).headers[
                "ETag"
            ]
            return http.patch(
                f"/api/v1/clients/{client_user.id}",
                json={"email": email},
                headers={**coach.headers, "If-Match": etag},
            )

        unchanged = [patch("cliff@north.test").status_code for _ in range(3)]
        probes = [patch("sven@south.test").status_code for _ in range(9)]
        changed = patch("cliff.new@north.test")

        assert unchanged == [200] * 3
        assert probes == [409] * 9
        assert changed.status_code == 200
        refused(patch("sven@south.test"), HOUR)
        refused(invite(http, coach, 0), HOUR)

    def test_each_academy_has_its_own_count(self, http, coach, other_academy_coach):
        invite_many(http, coach, 10)

        others = [
            invite(http, other_academy_coach, n, email=f"south{n}@invited.test").status_code
            for n in range(10)
        ]

        assert others == [201] * 10
        refused(invite(http, coach, 10), HOUR)


class TestSharedCount:
    def test_every_worker_counts_in_the_database(self, app, coach):
        with another_app(app) as first, another_app(app) as second:
            statuses = [
                invite(worker.test_client(), coach, n).status_code
                for n, worker in enumerate([first, second] * 5)
            ]
            over = invite(second.test_client(), coach, 10)

        assert statuses == [201] * 10
        refused(over, HOUR)
        # Two counts per invitation in a first day: the hour-and-day one and the first
        # day's, each under the academy's hashed key.
        assert count_rows(RateLimitHit) == 2 * 10

    def test_and_in_redis_when_the_counters_live_there(self, app, coach, redis_url):  # noqa: F811
        with (
            another_app(app, RATELIMIT_STORAGE_URI=redis_url) as first,
            another_app(app, RATELIMIT_STORAGE_URI=redis_url) as second,
        ):
            statuses = [
                invite(worker.test_client(), coach, n).status_code
                for n, worker in enumerate([first, second] * 5)
            ]
            over = invite(first.test_client(), coach, 10)

        assert statuses == [201] * 10
        refused(over, HOUR)
        assert count_rows(RateLimitHit) == 0


class TestSettings:
    def test_the_figures_come_from_the_configuration(self, app, coach, established):
        settings = {"CLIENT_INVITES_PER_HOUR": 3, "CLIENT_INVITES_PER_DAY": 4}
        with another_app(app, **settings) as worker:
            http = worker.test_client()
            first = invite_many(http, coach, 3)
            refused(invite(http, coach, 3), HOUR)
            age_hits(HOUR + 1)
            fourth = invite(http, coach, 4)
            over = invite(http, coach, 5)

        assert first == [201] * 3 and fourth.status_code == 201
        refused(over, DAY - HOUR, DAY - HOUR - 10)

    def test_a_first_day_stricter_by_configuration(self, app, coach):
        with another_app(app, CLIENT_INVITES_FIRST_DAY_PER_HOUR=2) as worker:
            http = worker.test_client()
            assert invite_many(http, coach, 2) == [201] * 2
            refused(invite(http, coach, 2), HOUR)

        # The academy is a day old: only the hourly 50 apply.
        db.session.get(Academy, coach.academy_id).created_at = utcnow() - timedelta(days=1)
        db.session.commit()
        with another_app(app, CLIENT_INVITES_FIRST_DAY_PER_HOUR=2) as worker:
            assert invite(worker.test_client(), coach, 2).status_code == 201
