"""The one rule for new passwords (NIST SP 800-63B), as the services apply it."""

import time

import pytest

from academy.auth import passwords
from academy.auth.models import User
from academy.auth.passwords import ESTIMATE_PREFIX, password_problems, strength_score
from academy.extensions import db
from tests.conftest import PASSWORD

HANA = {"email": "hana.hill@hill.test", "name": "Hana Hill"}


class TestPasswordRule:
    @pytest.mark.parametrize(
        "password",
        ["correct horse battery", "Tr4ck-sp1kes & oat milk", "x" * 9 + "unrelated words here"],
    )
    def test_a_long_unguessable_password_passes(self, password):
        assert password_problems(password, **HANA) == []

    @pytest.mark.parametrize("password", ["short", "x" * 257])
    def test_the_length_is_10_to_256(self, password):
        assert password_problems(password, **HANA) == ["Must be 10 to 256 characters long."]

    @pytest.mark.parametrize("password", ["aaaaaaaaaa", "          ", "7" * 256])
    def test_one_repeated_character_is_refused(self, password):
        assert password_problems(password, **HANA) == ["Must not be one character repeated."]

    @pytest.mark.parametrize(
        "password", ["password123", "qwertyuiop", "1234567890", "iloveyou2024", "P@ssw0rd2024"]
    )
    def test_common_or_guessable_passwords_are_refused(self, password):
        assert password_problems(password, **HANA) == [
            "Too common or too easy to guess: try a few unrelated words, or a longer phrase."
        ]

    @pytest.mark.parametrize("password", ["HANA.HILL runs far", "my hana.hill 4ever!"])
    def test_the_emails_local_part_is_refused_whatever_its_case(self, password):
        problems = password_problems(password, **HANA)

        assert "Must not contain your email address." in problems

    @pytest.mark.parametrize("password", ["the big hill climb", "hANa likes trail runs"])
    def test_a_word_of_the_name_is_refused_whatever_its_case(self, password):
        assert password_problems(password, **HANA) == ["Must not contain your name."]

    def test_the_whole_email_is_refused(self):
        problems = password_problems("hana.hill@hill.test", **HANA)

        assert "Must not contain your email address." in problems

    def test_names_and_local_parts_under_3_characters_are_ignored(self):
        assert password_problems("algebra jogs over ridges", email="al@x.test", name="Al Jo") == []

    def test_the_email_itself_is_refused_even_without_a_name(self):
        problems = password_problems("bob.runner@north.test", email="bob.runner@north.test")

        assert problems == ["Must not contain your email address."]


class TestEstimateCost:
    """zxcvbn tries every combination of look-alike characters over every substring; the
    estimate is bounded so that no password costs more than a fraction of a second."""

    # Every character zxcvbn reads as a look-alike letter: 736 combinations unbounded.
    LOOK_ALIKES = "4@8({[<369!|70$5+%21"

    @pytest.mark.parametrize(
        "password",
        [LOOK_ALIKES * 13, "1a" * 128, "19840312" * 32, "correct horse battery staple " * 8],
        ids=["look-alikes", "pairs", "dates", "words"],
    )
    def test_the_worst_256_characters_cost_well_under_a_second(self, password):
        password = password[:256]
        started = time.perf_counter()

        password_problems(password, **HANA)

        assert time.perf_counter() - started < 1.0  # unbounded: 2 to 43 s

    def test_only_the_first_64_characters_are_estimated(self):
        strong = "quiet ferns jog past amber kites"

        assert strength_score("1234567890" * 7 + strong) == strength_score("1234567890" * 7)
        assert ESTIMATE_PREFIX == 64


class TestRehashOnSignIn:
    """A password hashed with older Argon2 parameters is hashed again, with the
    configured ones, when its owner signs in with it."""

    @pytest.fixture
    def raised_costs(self, app):
        before = app.config["ARGON2_TIME_COST"], app.config["ARGON2_MEMORY_KIB"]
        app.config.update(ARGON2_TIME_COST=2, ARGON2_MEMORY_KIB=2048)
        passwords.init_app(app)
        yield
        app.config.update(ARGON2_TIME_COST=before[0], ARGON2_MEMORY_KIB=before[1])
        passwords.init_app(app)

    def _sign_in(self, http):
        body = {"email": "cora@north.test", "password": PASSWORD}
        return http.post("/api/v1/auth/tokens", json=body)

    def test_a_sign_in_rehashes_with_the_new_parameters(self, http, coach, raised_costs):
        old = coach.user.password_hash
        assert "m=1024,t=1" in old

        response = self._sign_in(http)

        assert response.status_code == 201
        db.session.expire_all()
        new = db.session.get(User, coach.id).password_hash
        assert "m=2048,t=2" in new and new != old
        assert self._sign_in(http).status_code == 201

    def test_a_hash_with_the_current_parameters_is_kept(self, http, coach):
        old = coach.user.password_hash

        assert self._sign_in(http).status_code == 201

        db.session.expire_all()
        assert db.session.get(User, coach.id).password_hash == old

    def test_a_wrong_password_changes_nothing(self, http, coach, raised_costs):
        old = coach.user.password_hash

        response = http.post(
            "/api/v1/auth/tokens", json={"email": "cora@north.test", "password": "wrong one!"}
        )

        assert response.status_code == 401
        db.session.expire_all()
        assert db.session.get(User, coach.id).password_hash == old
