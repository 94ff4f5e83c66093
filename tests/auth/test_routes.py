"""Accounts and sessions over HTTP."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa

from academy.auth.models import Academy, AuthToken, Invitation, User
from academy.common.auth import digest
from academy.common.time import as_utc, utcnow
from academy.extensions import db
from tests.conftest import PASSWORD, count_rows, problem_of

SIGNUP = {
    "academy_name": "Hill Harriers",
    "name": "Hana Hill",
    "email": "Hana@Hill.test",
    "password": "a long enough password",
}


def wait_until_blocked(holder) -> None:
    """Give a request in another thread time to reach the lock ``holder`` holds (on
    PostgreSQL, until it is seen waiting)."""
    if holder.dialect.name != "postgresql":
        time.sleep(0.3)
        return
    deadline = time.monotonic() + 5
    with db.engine.connect() as watcher:
        while time.monotonic() < deadline:
            waiting = watcher.scalar(sa.text("SELECT count(*) FROM pg_locks WHERE NOT granted"))
            watcher.rollback()
            if waiting:
                return
            time.sleep(0.02)
    raise AssertionError("the second refresh never waited for the first")


def sign_in_http(http, email, password=PASSWORD):
    return http.post("/api/v1/auth/tokens", json={"email": email, "password": password})


class TestSignup:
    def test_it_creates_an_academy_and_its_owner(self, http):
        response = http.post("/api/v1/auth/signup", json=SIGNUP)

        assert response.status_code == 201
        body = response.get_json()
        assert body["token_type"] == "Bearer"
        assert body["expires_at"].endswith("Z")
        assert body["user"]["role"] == "owner"
        assert body["user"]["email"] == "hana@hill.test"
        assert body["user"]["academy"]["name"] == "Hill Harriers"
        assert "password" not in body["user"] and "password_hash" not in body["user"]
        owner = db.session.scalar(sa.select(User).where(User.email == "hana@hill.test"))
        assert owner.password_hash.startswith("$argon2id$")
        me = http.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
        assert me.get_json()["id"] == owner.id

    def test_it_stores_tokens_only_as_hashes(self, http):
        body = http.post("/api/v1/auth/signup", json=SIGNUP).get_json()

        token = db.session.scalar(sa.select(AuthToken))
        assert token.access_hash == digest(body["access_token"])
        assert token.refresh_hash == digest(body["refresh_token"])
        stored = [str(v) for v in db.session.execute(sa.select(AuthToken.__table__)).one()]
        assert body["access_token"] not in stored and body["refresh_token"] not in stored

    @pytest.mark.parametrize(
        "change, path",
        [
            ({"password": "short"}, "password"),
            ({"email": "not-an-email"}, "email"),
            ({"academy_name": ""}, "academy_name"),
            ({"role": "owner"}, "role"),
            ({"id": 7}, "id"),
            ({"academy_id": 1}, "academy_id"),
            ({"created_at": "2026-01-01T00:00:00Z"}, "created_at"),
        ],
    )
    def test_it_rejects_bad_input_and_stores_nothing(self, http, change, path):
        response = http.post("/api/v1/auth/signup", json={**SIGNUP, **change})

        body = problem_of(response, 422)
        assert path in body["errors"]
        assert count_rows(Academy) == 0 and count_rows(User) == 0

    @pytest.mark.parametrize(
        "password, message",
        [
            ("aaaaaaaaaaaa", "Must not be one character repeated."),
            ("password1234", "Too common or too easy to guess"),
            ("my HANA@hill.test", "Must not contain your email address."),
            ("hill climbs at dawn", "Must not contain your name."),
        ],
    )
    def test_a_weak_password_is_422_naming_it_and_stores_nothing(self, http, password, message):
        response = http.post("/api/v1/auth/signup", json={**SIGNUP, "password": password})

        body = problem_of(response, 422)
        assert list(body["errors"]) == ["password"]
        assert any(m.startswith(message) for m in body["errors"]["password"])
        assert count_rows(Academy) == 0 and count_rows(User) == 0

    @pytest.mark.parametrize("email", ["cora@north.test", "CORA@North.Test", "sia@south.test"])
    def test_an_email_that_has_an_account_anywhere_is_409_and_stores_nothing(
        self, http, coach, other_academy_client, email
    ):
        response = http.post("/api/v1/auth/signup", json={**SIGNUP, "email": email})

        body = problem_of(response, 409)
        assert body["errors"] == {"email": ["Already has an Academy account."]}
        assert count_rows(Academy) == 2
        assert count_rows(User, User.email == email.lower()) == 1

    def test_the_victims_account_is_untouched_by_a_sign_up_with_their_email(self, http, coach):
        http.post("/api/v1/auth/signup", json={**SIGNUP, "email": "cora@north.test"})

        assert sign_in_http(http, "cora@north.test").status_code == 201
        taken = sign_in_http(http, "cora@north.test", SIGNUP["password"])
        problem_of(taken, 401)

    def test_an_address_that_cannot_receive_mail_is_422(self, http):
        response = http.post(
            "/api/v1/auth/signup", json={**SIGNUP, "email": "erased-7@erased.invalid"}
        )

        assert list(problem_of(response, 422)["errors"]) == ["email"]
        assert count_rows(User) == 0

    def test_it_answers_403_when_signup_is_switched_off(self, app, http):
        app.config["SIGNUP_ENABLED"] = False
        try:
            response = http.post("/api/v1/auth/signup", json=SIGNUP)
        finally:
            app.config["SIGNUP_ENABLED"] = True

        problem_of(response, 403)
        assert count_rows(Academy) == 0


class TestCreateToken:
    def test_it_signs_in_with_email_and_password(self, http, coach):
        response = sign_in_http(http, "CORA@north.test")

        assert response.status_code == 201
        body = response.get_json()
        assert body["user"]["id"] == coach.id
        assert body["access_token"] and body["refresh_token"]
        assert count_rows(AuthToken, AuthToken.user_id == coach.id) == 2

    def test_it_answers_401_for_a_wrong_password(self, http, coach):
        response = sign_in_http(http, "cora@north.test", "wrong password!!")

        body = problem_of(response, 401)
        assert "access_token" not in body
        assert count_rows(AuthToken, AuthToken.user_id == coach.id) == 1

    def test_it_answers_401_for_an_unknown_email(self, http):
        problem_of(sign_in_http(http, "nobody@north.test"), 401)

    @pytest.mark.parametrize(
        "email, status, password",
        [
            ("cora@north.test", "active", "wrong password!!"),
            ("nobody@north.test", None, PASSWORD),
            ("ivy@north.test", "invited", PASSWORD),
            ("arch@north.test", "archived", PASSWORD),
        ],
    )
    def test_a_failed_sign_in_costs_exactly_one_argon2_check(
        self, http, monkeypatch, academy, coach, email, status, password
    ):
        from academy.auth import service
        from tests.conftest import make_user

        if status in ("invited", "archived"):
            make_user(academy, "coach", "Someone", email).status = status
            db.session.commit()
        checks = []
        verify = service.verify_password
        monkeypatch.setattr(
            service, "verify_password", lambda *args: checks.append(args) or verify(*args)
        )

        problem_of(sign_in_http(http, email, password), 401)

        assert len(checks) == 1

    def test_a_sign_in_costs_one_argon2_check(self, http, monkeypatch, coach):
        from academy.auth import service

        checks = []
        verify = service.verify_password
        monkeypatch.setattr(
            service, "verify_password", lambda *args: checks.append(args) or verify(*args)
        )

        assert sign_in_http(http, "cora@north.test").status_code == 201
        assert len(checks) == 1

    def test_it_rejects_malformed_json(self, http):
        response = http.post(
            "/api/v1/auth/tokens", data="{not json", content_type="application/json"
        )

        problem_of(response, 400)


def refresh_http(http, refresh_token):
    return http.post("/api/v1/auth/tokens/refresh", json={"refresh_token": refresh_token})


def rotated_long_ago(seconds: float) -> None:
    """Move every rotation ``seconds`` into the past."""
    for token in db.session.scalars(sa.select(AuthToken).where(AuthToken.rotated_at.is_not(None))):
        token.rotated_at = as_utc(token.rotated_at) - timedelta(seconds=seconds)
    db.session.commit()


def live_tokens(user_id: int) -> int:
    db.session.expire_all()
    return count_rows(
        AuthToken,
        AuthToken.user_id == user_id,
        AuthToken.revoked_at.is_(None),
        AuthToken.rotated_at.is_(None),
    )


class TestRefreshToken:
    def test_it_rotates_the_pair(self, http, coach):
        response = http.post(
            "/api/v1/auth/tokens/refresh", json={"refresh_token": coach.refresh_token}
        )

        assert response.status_code == 201
        new = response.get_json()
        assert new["access_token"] != coach.token
        problem_of(http.get("/api/v1/me", headers=coach.headers), 401)
        ok = http.get("/api/v1/me", headers={"Authorization": f"Bearer {new['access_token']}"})
        assert ok.status_code == 200

    def test_reusing_a_rotated_refresh_token_after_the_grace_revokes_every_token(self, http, coach):
        first = http.post(
            "/api/v1/auth/tokens/refresh", json={"refresh_token": coach.refresh_token}
        ).get_json()
        other_session = sign_in_http(http, "cora@north.test").get_json()
        rotated_long_ago(seconds=31)

        replay = http.post(
            "/api/v1/auth/tokens/refresh", json={"refresh_token": coach.refresh_token}
        )

        problem_of(replay, 401)
        for access in (first["access_token"], other_session["access_token"]):
            me = http.get("/api/v1/me", headers={"Authorization": f"Bearer {access}"})
            problem_of(me, 401)
        live = count_rows(AuthToken, AuthToken.user_id == coach.id, AuthToken.revoked_at.is_(None))
        assert live == 0
        refresh = http.post(
            "/api/v1/auth/tokens/refresh", json={"refresh_token": first["refresh_token"]}
        )
        problem_of(refresh, 401)

    def test_a_retry_within_the_grace_gets_a_fresh_pair_and_revokes_nothing(self, http, coach):
        first = refresh_http(http, coach.refresh_token).get_json()

        retry = refresh_http(http, coach.refresh_token)

        assert retry.status_code == 201
        second = retry.get_json()
        assert second["refresh_token"] not in (first["refresh_token"], coach.refresh_token)
        for pair in (first, second):
            me = http.get("/api/v1/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
            assert me.status_code == 200
        problem_of(http.get("/api/v1/me", headers=coach.headers), 401)
        assert count_rows(AuthToken, AuthToken.revoked_at.is_not(None)) == 0
        assert live_tokens(coach.id) == 2
        assert refresh_http(http, second["refresh_token"]).status_code == 201

    def test_a_retry_just_within_the_grace_still_works(self, http, coach):
        refresh_http(http, coach.refresh_token)
        rotated_long_ago(seconds=25)

        assert refresh_http(http, coach.refresh_token).status_code == 201
        assert count_rows(AuthToken, AuthToken.revoked_at.is_not(None)) == 0

    def test_the_grace_is_configurable(self, app, http, coach):
        app.config["REFRESH_REUSE_GRACE_SECONDS"] = 0
        try:
            refresh_http(http, coach.refresh_token)
            rotated_long_ago(seconds=1)
            replay = refresh_http(http, coach.refresh_token)
        finally:
            app.config["REFRESH_REUSE_GRACE_SECONDS"] = 30

        problem_of(replay, 401)
        assert live_tokens(coach.id) == 0

    def test_a_retry_within_the_grace_after_a_password_change_is_401(self, http, coach):
        first = refresh_http(http, coach.refresh_token).get_json()
        http.put(
            "/api/v1/me/password",
            json={"current_password": PASSWORD, "new_password": "quiet ferns jog past"},
            headers={"Authorization": f"Bearer {first['access_token']}"},
        )

        retry = refresh_http(http, coach.refresh_token)

        assert "revoked" in problem_of(retry, 401)["detail"]
        assert live_tokens(coach.id) == 1  # the pair that changed the password

    def test_a_refresh_waiting_on_a_concurrent_rotation_gets_a_pair_too(self, app, coach):
        token_id = db.session.scalar(sa.select(AuthToken.id).where(AuthToken.user_id == coach.id))
        answers = []
        with db.engine.connect() as first:
            # The first refresh has rotated the token and not yet committed.
            first.execute(
                sa.update(AuthToken).where(AuthToken.id == token_id).values(rotated_at=utcnow())
            )
            second = threading.Thread(
                target=lambda: answers.append(refresh_http(app.test_client(), coach.refresh_token))
            )
            second.start()
            wait_until_blocked(first)
            first.commit()
            second.join(timeout=30)

        assert answers[0].status_code == 201, answers[0].get_data(as_text=True)
        assert count_rows(AuthToken, AuthToken.revoked_at.is_not(None)) == 0
        assert live_tokens(coach.id) == 1

    def test_two_refreshes_at_once_both_get_a_pair_and_revoke_nothing(self, app, coach):
        barrier = threading.Barrier(2)

        def refresh_together(_):
            http = app.test_client()
            barrier.wait(timeout=30)
            return refresh_http(http, coach.refresh_token)

        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(refresh_together, range(2)))

        assert [a.status_code for a in answers] == [201, 201]
        assert count_rows(AuthToken, AuthToken.revoked_at.is_not(None)) == 0
        assert live_tokens(coach.id) == 2

    def test_it_answers_401_for_an_unknown_refresh_token(self, http):
        problem_of(http.post("/api/v1/auth/tokens/refresh", json={"refresh_token": "nope"}), 401)

    def test_it_answers_401_for_an_expired_refresh_token(self, http, coach):
        db.session.execute(
            sa.update(AuthToken).values(refresh_expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()

        response = http.post(
            "/api/v1/auth/tokens/refresh", json={"refresh_token": coach.refresh_token}
        )

        problem_of(response, 401)

    def test_it_rejects_unknown_fields(self, http, coach):
        response = http.post(
            "/api/v1/auth/tokens/refresh",
            json={"refresh_token": coach.refresh_token, "user_id": 1},
        )

        assert "user_id" in problem_of(response, 422)["errors"]


class TestSignOut:
    def test_the_presented_token_stops_working(self, http, coach):
        response = http.delete("/api/v1/auth/tokens/current", headers=coach.headers)

        assert response.status_code == 204
        problem_of(http.get("/api/v1/me", headers=coach.headers), 401)

    def test_it_needs_a_token(self, http):
        problem_of(http.delete("/api/v1/auth/tokens/current"), 401)


class TestAuthentication:
    @pytest.mark.parametrize(
        "header",
        [None, "Bearer", "Bearer not-a-token", "Basic abc", "bearer "],
    )
    def test_missing_or_unknown_tokens_answer_401(self, http, header):
        headers = {"Authorization": header} if header else {}

        problem_of(http.get("/api/v1/me", headers=headers), 401)

    def test_an_expired_token_answers_401(self, http, coach):
        db.session.execute(
            sa.update(AuthToken).values(access_expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()

        problem_of(http.get("/api/v1/me", headers=coach.headers), 401)

    def test_a_revoked_token_answers_401(self, http, coach):
        db.session.execute(sa.update(AuthToken).values(revoked_at=utcnow()))
        db.session.commit()

        problem_of(http.get("/api/v1/me", headers=coach.headers), 401)


class TestMe:
    def test_it_reads_the_callers_account(self, http, client_user):
        response = http.get("/api/v1/me", headers=client_user.headers)

        assert response.status_code == 200
        body = response.get_json()
        assert body["id"] == client_user.id
        assert body["role"] == "client"
        assert body["timezone"] == "Europe/London"
        assert body["created_at"].endswith("Z")

    def test_it_changes_name_and_timezone(self, http, coach):
        response = http.patch(
            "/api/v1/me",
            json={"name": "Cora C.", "timezone": "Pacific/Auckland"},
            headers=coach.headers,
        )

        assert response.status_code == 200
        assert response.get_json()["timezone"] == "Pacific/Auckland"
        db.session.expire_all()
        stored = db.session.get(User, coach.id)
        assert (stored.name, stored.timezone) == ("Cora C.", "Pacific/Auckland")

    @pytest.mark.parametrize(
        "body, path",
        [
            ({"timezone": "Mars/Olympus"}, "timezone"),
            ({"role": "owner"}, "role"),
            ({"email": "new@north.test"}, "email"),
            ({"academy_id": 99}, "academy_id"),
            ({"updated_at": "2026-01-01T00:00:00Z"}, "updated_at"),
        ],
    )
    def test_it_rejects_bad_or_forbidden_fields(self, http, coach, body, path):
        response = http.patch("/api/v1/me", json=body, headers=coach.headers)

        assert path in problem_of(response, 422)["errors"]
        db.session.expire_all()
        stored = db.session.get(User, coach.id)
        assert (stored.role, stored.timezone, stored.email) == ("coach", "UTC", "cora@north.test")

    def test_it_needs_a_token(self, http):
        problem_of(http.patch("/api/v1/me", json={"name": "X"}), 401)


class TestChangePassword:
    def test_it_changes_the_password_and_revokes_other_tokens(self, http, coach):
        other = sign_in_http(http, "cora@north.test").get_json()

        response = http.put(
            "/api/v1/me/password",
            json={"current_password": PASSWORD, "new_password": "a brand new password"},
            headers=coach.headers,
        )

        assert response.status_code == 204
        assert http.get("/api/v1/me", headers=coach.headers).status_code == 200
        gone = http.get("/api/v1/me", headers={"Authorization": f"Bearer {other['access_token']}"})
        problem_of(gone, 401)
        problem_of(sign_in_http(http, "cora@north.test"), 401)
        assert sign_in_http(http, "cora@north.test", "a brand new password").status_code == 201

    def test_a_wrong_current_password_changes_nothing(self, http, coach):
        response = http.put(
            "/api/v1/me/password",
            json={"current_password": "not my password", "new_password": "a brand new password"},
            headers=coach.headers,
        )

        assert "current_password" in problem_of(response, 422)["errors"]
        assert sign_in_http(http, "cora@north.test").status_code == 201

    @pytest.mark.parametrize(
        "new_password, message",
        [
            ("cora@north.test", "Must not contain your email address."),
            ("Coach of the year", "Must not contain your name."),
            ("qwertyuiop123", "Too common or too easy to guess"),
            ("!!!!!!!!!!!!", "Must not be one character repeated."),
        ],
    )
    def test_a_weak_new_password_is_422_naming_it_and_changes_nothing(
        self, http, coach, new_password, message
    ):
        response = http.put(
            "/api/v1/me/password",
            json={"current_password": PASSWORD, "new_password": new_password},
            headers=coach.headers,
        )

        errors = problem_of(response, 422)["errors"]
        assert list(errors) == ["new_password"]
        assert any(m.startswith(message) for m in errors["new_password"])
        assert sign_in_http(http, "cora@north.test").status_code == 201
        assert count_rows(AuthToken, AuthToken.revoked_at.is_not(None)) == 0

    def test_a_wrong_current_and_a_weak_new_password_are_named_together(self, http, coach):
        response = http.put(
            "/api/v1/me/password",
            json={"current_password": "not my password", "new_password": "password1234"},
            headers=coach.headers,
        )

        errors = problem_of(response, 422)["errors"]
        assert set(errors) == {"current_password", "new_password"}

    def test_a_short_new_password_is_refused(self, http, coach):
        response = http.put(
            "/api/v1/me/password",
            json={"current_password": PASSWORD, "new_password": "short"},
            headers=coach.headers,
        )

        assert "new_password" in problem_of(response, 422)["errors"]

    def test_it_needs_a_token(self, http):
        problem_of(http.put("/api/v1/me/password", json={}), 401)


class TestCoaches:
    def test_the_owner_invites_a_coach_who_accepts(self, http, owner):
        response = http.post(
            "/api/v1/coaches",
            json={"name": "New Coach", "email": "new@north.test"},
            headers=owner.headers,
        )

        assert response.status_code == 201
        body = response.get_json()
        assert body["role"] == "coach" and body["status"] == "invited"
        code = body["invitation"]["code"]
        accepted = http.post(
            "/api/v1/auth/invitations/accept",
            json={"code": code, "password": "trail mix and tea"},
        )
        assert accepted.status_code == 201
        assert accepted.get_json()["user"]["status"] == "active"

    def test_the_list_shows_only_this_academys_coaches(
        self, http, owner, coach, other_academy_coach
    ):
        response = http.get("/api/v1/coaches", headers=coach.headers)

        assert response.status_code == 200
        assert [c["email"] for c in response.get_json()] == ["cora@north.test", "olive@north.test"]
        assert '"total": 2' in response.headers["X-Pagination"]

    def test_a_coach_who_is_not_the_owner_gets_403(self, http, coach):
        response = http.post(
            "/api/v1/coaches", json={"name": "X", "email": "x@north.test"}, headers=coach.headers
        )

        problem_of(response, 403)
        assert count_rows(User, User.email == "x@north.test") == 0

    def test_a_client_gets_403(self, http, client_user):
        problem_of(http.get("/api/v1/coaches", headers=client_user.headers), 403)

    def test_a_taken_email_is_409(self, http, owner, coach):
        response = http.post(
            "/api/v1/coaches",
            json={"name": "Again", "email": "cora@north.test"},
            headers=owner.headers,
        )

        problem_of(response, 409)
        assert count_rows(User, User.email == "cora@north.test") == 1

    def test_an_email_with_an_account_in_another_academy_is_409_saying_no_more(
        self, http, owner, other_academy_client
    ):
        response = http.post(
            "/api/v1/coaches",
            json={"name": "Sia", "email": "Sia@South.test"},
            headers=owner.headers,
        )

        body = problem_of(response, 409)
        assert body["detail"] == "That email already has an Academy account."
        assert "Southside" not in response.get_data(as_text=True)
        assert count_rows(User, User.academy_id == owner.academy_id) == 1

    def test_bad_input_is_422(self, http, owner):
        response = http.post(
            "/api/v1/coaches", json={"name": "X", "role": "owner"}, headers=owner.headers
        )

        errors = problem_of(response, 422)["errors"]
        assert {"email", "role"} <= errors.keys()

    def test_it_needs_a_token(self, http):
        problem_of(http.get("/api/v1/coaches"), 401)


class TestAcceptInvitation:
    def _invite(self, http, owner):
        return http.post(
            "/api/v1/coaches",
            json={"name": "Ivy", "email": "ivy@north.test"},
            headers=owner.headers,
        ).get_json()["invitation"]["code"]

    def test_a_code_works_once(self, http, owner):
        code = self._invite(http, owner)
        body = {"code": code, "password": "first password!"}
        assert http.post("/api/v1/auth/invitations/accept", json=body).status_code == 201

        again = http.post("/api/v1/auth/invitations/accept", json=body)

        problem_of(again, 401)

    def test_an_expired_code_is_refused(self, http, owner):
        code = self._invite(http, owner)
        db.session.execute(sa.update(Invitation).values(expires_at=utcnow() - timedelta(1)))
        db.session.commit()

        response = http.post(
            "/api/v1/auth/invitations/accept", json={"code": code, "password": "first password!"}
        )

        problem_of(response, 401)
        assert db.session.scalar(sa.select(User.status).where(User.email == "ivy@north.test")) == (
            "invited"
        )

    def test_codes_are_stored_hashed(self, http, owner):
        code = self._invite(http, owner)

        assert db.session.scalar(sa.select(Invitation.code_hash)) == digest(code)

    def test_a_password_with_the_invited_persons_name_is_422_and_the_code_stays_open(
        self, http, owner
    ):
        code = self._invite(http, owner)

        response = http.post(
            "/api/v1/auth/invitations/accept", json={"code": code, "password": "IVY trails at dawn"}
        )

        assert problem_of(response, 422)["errors"] == {
            "password": ["Must not contain your email address.", "Must not contain your name."]
        }
        assert db.session.scalar(sa.select(Invitation.closed_at)) is None
        assert db.session.scalar(sa.select(User.status).where(User.email == "ivy@north.test")) == (
            "invited"
        )
        accepted = http.post(
            "/api/v1/auth/invitations/accept", json={"code": code, "password": "first password!"}
        )
        assert accepted.status_code == 201

    def test_a_short_password_is_422(self, http, owner):
        code = self._invite(http, owner)

        response = http.post(
            "/api/v1/auth/invitations/accept", json={"code": code, "password": "short"}
        )

        assert "password" in problem_of(response, 422)["errors"]
        assert db.session.scalar(sa.select(Invitation.closed_at)) is None
