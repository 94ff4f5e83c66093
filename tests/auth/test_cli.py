"""`flask academy create-coach`: an academy and its owner from the command line."""

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

    def test_a_short_password_is_refused_and_nothing_stored(self, app):
        result = app.test_cli_runner().invoke(
            args=["academy", "create-coach", "--academy", "A", "--name", "B", "--email",
                  "b@b.test", "--password", "short"]
        )  # fmt: skip

        assert result.exit_code != 0
        assert "10 characters" in result.output
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
