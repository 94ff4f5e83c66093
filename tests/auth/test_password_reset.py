"""Password reset: a code by mail whatever the email (no account enumeration), single
use, stored hashed, for PASSWORD_RESET_MINUTES; setting the password ends every session."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from academy.auth.models import AuthToken, PasswordReset, User
from academy.common.auth import digest
from academy.common.time import utcnow
from academy.extensions import db
from academy.mail.models import OutboxMail
from tests.conftest import PASSWORD, count_rows, measured, problem_of

NEW_PASSWORD = "stride length matters"


def ask(http, email: str):
    return http.post("/api/v1/auth/password-reset", json={"email": email})


def confirm(http, code: str, password: str = NEW_PASSWORD):
    return http.post(
        "/api/v1/auth/password-reset/confirm", json={"code": code, "password": password}
    )


def mailed_code(email: str) -> str:
    """The code in the latest reset mail to ``email``."""
    text = db.session.scalars(
        sa.select(OutboxMail.text)
        .where(OutboxMail.recipient == email, OutboxMail.template == "password_reset")
        .order_by(OutboxMail.id.desc())
    ).first()
    return re.search(r"^    (\S+)$", text, re.MULTILINE).group(1)


def sign_in(http, email: str, password: str):
    return http.post("/api/v1/auth/tokens", json={"email": email, "password": password})


class TestAskForAReset:
    def test_an_account_gets_a_mail_with_a_code_stored_hashed(self, http, coach):
        response = ask(http, "Cora@North.test")

        assert response.status_code == 202 and response.get_data() == b""
        code = mailed_code("cora@north.test")
        reset = db.session.scalar(sa.select(PasswordReset))
        assert reset.code_hash == digest(code) and code not in reset.code_hash
        assert reset.user_id == coach.id
        minutes = (reset.expires_at - reset.created_at).total_seconds() / 60
        assert minutes == 30
        mail = db.session.scalar(sa.select(OutboxMail))
        assert code in mail.html and "Hello Cora Coach" in mail.text

    @pytest.mark.parametrize("status", ["invited", "archived"])
    def test_an_unknown_or_unusable_account_gets_the_same_answer(
        self, http, coach, client_user, status
    ):
        known = ask(http, "cora@north.test")
        db.session.get(User, client_user.id).status = status
        db.session.commit()

        for email in ("nobody@north.test", "cliff@north.test"):
            unknown = ask(http, email)
            assert (unknown.status_code, unknown.get_data()) == (202, b"")
            assert dict(unknown.headers).keys() == dict(known.headers).keys()
        assert count_rows(PasswordReset) == 1  # the coach's only
        assert db.session.scalars(sa.select(OutboxMail.template).order_by(OutboxMail.id)).all() == [
            "password_reset",
            "password_reset_no_account",
            "password_reset_no_account",
        ]

    def test_both_answers_do_the_same_work_but_for_the_code_row(self, http, coach):
        _, known = measured(ask, http, "cora@north.test")
        _, unknown = measured(ask, http, "nobody@north.test")

        # Both: the rate-limit hits, the look-up, closing older codes, the mail. The
        # account's answer also stores the new code.
        assert known - unknown == 1

    def test_requests_for_one_email_are_limited_known_or_not(self, http, coach):
        for email in ("cora@north.test", "nobody@north.test"):
            for _ in range(3):
                assert ask(http, email).status_code == 202

            refused = ask(http, email)

            problem_of(refused, 429)
            assert int(refused.headers["Retry-After"]) > 0
        assert count_rows(OutboxMail) == 6

    def test_a_malformed_email_is_422_and_mails_nothing(self, http):
        problem_of(ask(http, "not an email"), 422)

        assert count_rows(OutboxMail) == 0


class TestConfirmAReset:
    def test_it_sets_the_password_and_ends_every_session(self, http, coach):
        ask(http, "cora@north.test")

        response = confirm(http, mailed_code("cora@north.test"))

        assert response.status_code == 204 and response.get_data() == b""
        problem_of(http.get("/api/v1/me", headers=coach.headers), 401)
        live = count_rows(AuthToken, AuthToken.user_id == coach.id, AuthToken.revoked_at.is_(None))
        assert live == 0
        problem_of(sign_in(http, "cora@north.test", PASSWORD), 401)
        assert sign_in(http, "cora@north.test", NEW_PASSWORD).status_code == 201

    def test_a_code_works_once(self, http, coach):
        ask(http, "cora@north.test")
        code = mailed_code("cora@north.test")
        confirm(http, code)

        problem_of(confirm(http, code, "another fine password"), 401)

        assert sign_in(http, "cora@north.test", NEW_PASSWORD).status_code == 201

    def test_an_expired_code_is_401(self, http, coach):
        ask(http, "cora@north.test")
        reset = db.session.scalar(sa.select(PasswordReset))
        reset.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()

        problem_of(confirm(http, mailed_code("cora@north.test")), 401)

    def test_a_newer_code_replaces_the_older(self, http, coach):
        ask(http, "cora@north.test")
        older = mailed_code("cora@north.test")
        ask(http, "cora@north.test")

        problem_of(confirm(http, older), 401)
        assert confirm(http, mailed_code("cora@north.test")).status_code == 204

    def test_a_weak_password_is_422_and_the_code_still_works(self, http, coach):
        ask(http, "cora@north.test")
        code = mailed_code("cora@north.test")

        body = problem_of(confirm(http, code, "cora@north.test"), 422)

        assert "password" in body["errors"]
        assert confirm(http, code).status_code == 204

    def test_an_unknown_code_is_401(self, http, coach):
        problem_of(confirm(http, "made-up"), 401)

    def test_a_client_reset_is_in_the_audit_log_without_values(self, http, client_user):
        ask(http, "cliff@north.test")
        confirm(http, mailed_code("cliff@north.test"))

        from academy.audit.models import AuditEntry

        entry = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.resource_id == client_user.id)
        ).all()[-1]
        assert entry.fields == ["password"]
