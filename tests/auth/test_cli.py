"""`flask academy create-coach`: an academy and its owner from the command line."""

import pytest
import sqlalchemy as sa

from academy.auth.models import Academy, User
from academy.extensions import db


class TestCreateCoach:
    def test_it_creates_an_academy_and_its_owner_even_with_signup_off(self, app, http):
        app.config["SIGNUP_ENABLED"] = False
        try:
            result = app.test_cli_runner().invoke(
                args=["academy", "create-coach", "--academy", "Hill Harriers", "--name",
                      "Hana Hill", "--email", "Hana@Hill.test", "--password", "a long password"]
            )  # fmt: skip
        finally:
            app.config["SIGNUP_ENABLED"] = True

        assert result.exit_code == 0, result.output
        owner = db.session.scalar(sa.select(User).where(User.email == "hana@hill.test"))
        assert owner.role == "owner" and owner.password_hash.startswith("$argon2id$")
        assert db.session.get(Academy, owner.academy_id).name == "Hill Harriers"
        signed_in = http.post(
            "/api/v1/auth/tokens", json={"email": "hana@hill.test", "password": "a long password"}
        )
        assert signed_in.status_code == 201

    @pytest.mark.parametrize(
        "password, message",
        [
            ("short", "password: Must be 10 to 256 characters long."),
            ("aaaaaaaaaaaa", "password: Must not be one character repeated."),
            ("password123", "password: Too common or too easy to guess"),
            ("Bruno runs hills", "password: Must not contain your name."),
            ("bb.bruno is here", "password: Must not contain your email address."),
        ],
    )
    def test_a_password_the_api_would_refuse_is_refused_and_nothing_stored(
        self, app, password, message
    ):
        result = app.test_cli_runner().invoke(
            args=["academy", "create-coach", "--academy", "A", "--name", "Bruno Bay", "--email",
                  "bb.bruno@b.test", "--password", password]
        )  # fmt: skip

        assert result.exit_code != 0
        assert message in result.output
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Academy)) == 0

    def test_an_email_that_has_an_account_is_refused_and_nothing_stored(self, app, coach):
        result = app.test_cli_runner().invoke(
            args=["academy", "create-coach", "--academy", "A", "--name", "Bruno Bay", "--email",
                  "CORA@north.test", "--password", "quiet ferns jog past"]
        )  # fmt: skip

        assert result.exit_code != 0
        assert "email: Already has an Academy account." in result.output
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Academy)) == 1
