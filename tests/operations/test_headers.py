"""Security headers: nosniff on every answer, no-store on every answer of the API but
the conditional reads and the calendar feed, HSTS when configured."""

import pytest

from academy import create_app
from academy.config import TestConfig
from tests.conftest import PASSWORD


def _app(**overrides):
    settings = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    app = create_app({**settings, "SQLALCHEMY_DATABASE_URI": "sqlite://", **overrides})

    @app.route("/boom")
    def boom():
        raise RuntimeError("broken")

    return app


SIGNUP = {
    "academy_name": "Hill Harriers",
    "name": "Hana Hill",
    "email": "hana@hill.test",
    "password": "quiet ferns jog past",
}


class TestNoSniff:
    @pytest.mark.parametrize(
        "method, path, status",
        [
            ("GET", "/healthz", 200),
            ("GET", "/openapi.json", 200),
            ("GET", "/no/such/page", 404),
            ("DELETE", "/healthz", 405),
            ("GET", "/api/v1/me", 401),
            ("GET", "/api/v1/clients", 401),
        ],
    )
    def test_every_answer_carries_it_errors_included(self, http, method, path, status):
        response = http.open(path, method=method)

        assert response.status_code == status
        assert response.headers["X-Content-Type-Options"] == "nosniff"

    def test_a_validation_error_and_a_500_carry_it(self, http, coach):
        invalid = http.post("/api/v1/clients", json={"name": ""}, headers=coach.headers)
        crashed = _app().test_client().get("/boom")

        assert (invalid.status_code, crashed.status_code) == (422, 500)
        for response in (invalid, crashed):
            assert response.headers["X-Content-Type-Options"] == "nosniff"


class TestNoStore:
    def test_token_answers_are_not_stored(self, http, coach):
        signed_up = http.post("/api/v1/auth/signup", json=SIGNUP)
        signed_in = http.post(
            "/api/v1/auth/tokens", json={"email": "cora@north.test", "password": PASSWORD}
        )
        refreshed = http.post(
            "/api/v1/auth/tokens/refresh", json={"refresh_token": coach.refresh_token}
        )
        refused = http.post(
            "/api/v1/auth/tokens", json={"email": "cora@north.test", "password": "nope nope!"}
        )

        assert [r.status_code for r in (signed_up, signed_in, refreshed, refused)] == [
            201,
            201,
            201,
            401,
        ]
        for response in (signed_up, signed_in, refreshed, refused):
            assert response.headers["Cache-Control"] == "no-store"

    @pytest.mark.parametrize(
        "method, path, status",
        [
            ("GET", "/api/v1/me", 200),
            ("GET", "/api/v1/me/export", 200),
            ("GET", "/api/v1/me/assessments", 200),
            ("GET", "/api/v1/me/check-ins", 200),
            ("GET", "/api/v1/me/nothing-here", 404),
        ],
    )
    def test_the_callers_own_data_is_not_stored(self, http, client_user, method, path, status):
        response = http.open(path, method=method, headers=client_user.headers)

        assert response.status_code == status
        assert response.headers["Cache-Control"] == "no-store"

    def test_a_password_change_and_a_sign_out_are_not_stored(self, http, coach):
        changed = http.put(
            "/api/v1/me/password",
            json={"current_password": PASSWORD, "new_password": "quiet ferns jog past"},
            headers=coach.headers,
        )
        signed_out = http.delete("/api/v1/auth/tokens/current", headers=coach.headers)

        assert (changed.status_code, signed_out.status_code) == (204, 204)
        assert (
            changed.headers["Cache-Control"] == signed_out.headers["Cache-Control"] == ("no-store")
        )

    @pytest.mark.parametrize(
        "path, status",
        [
            ("/healthz", 200),
            ("/api/v1/vocabularies", 200),
            ("/api/v1/clients", 200),
            ("/api/v1/dashboard", 200),
            ("/api/v1/mentions", 404),
        ],
    )
    def test_every_other_answer_of_the_api_is_not_stored_either(self, http, coach, path, status):
        response = http.get(path, headers=coach.headers)

        assert response.status_code == status
        assert response.headers["Cache-Control"] == "no-store"

    @pytest.mark.parametrize("path", ["/openapi.json", "/docs", "/no/such/page"])
    def test_pages_outside_the_api_are_left_alone(self, http, path):
        assert "Cache-Control" not in http.get(path).headers


class TestStrictTransportSecurity:
    def test_it_is_off_by_default(self, http):
        assert "Strict-Transport-Security" not in http.get("/healthz").headers

    def test_hsts_seconds_adds_it_to_every_answer(self):
        http = _app(HSTS_SECONDS=31536000).test_client()

        for path, status in (("/healthz", 200), ("/api/v1/me", 401), ("/boom", 500)):
            response = http.get(path)

            assert response.status_code == status
            assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
