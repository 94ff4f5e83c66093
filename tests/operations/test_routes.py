"""Health checks, docs, errors and the cross-cutting behaviour of every response."""

import json
import logging

import pytest
import sqlalchemy as sa

from academy import create_app
from academy.config import TestConfig
from academy.extensions import db
from tests.conftest import problem_of


class TestHealth:
    def test_healthz_answers_without_a_token(self, http):
        response = http.get("/healthz")

        assert response.status_code == 200
        assert response.get_json() == {"status": "ok"}

    def test_readyz_answers_when_the_database_is_reachable(self, http):
        assert http.get("/readyz").get_json() == {"status": "ok"}

    def test_readyz_answers_503_when_the_database_is_not(self, tmp_path):
        broken = create_app(
            {**_test_config(), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/no/such/dir.db"}
        )

        response = broken.test_client().get("/readyz")

        body = problem_of(response, 503)
        assert "sqlite" not in json.dumps(body).lower()


def _test_config() -> dict:
    return {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}


class TestOpenAPI:
    def test_the_document_describes_every_operation(self, http):
        spec = http.get("/openapi.json").get_json()

        assert spec["openapi"].startswith("3.")
        assert "bearerAuth" in spec["components"]["securitySchemes"]
        clients = spec["paths"]["/api/v1/clients"]
        assert clients["get"]["summary"] == "List clients"
        assert clients["post"]["security"] == [{"bearerAuth": []}]
        assert {"201", "401", "403", "409", "422"} <= clients["post"]["responses"].keys()
        assert "requestBody" in clients["post"]
        for path, operations in spec["paths"].items():
            for method, operation in operations.items():
                if method == "parameters":
                    continue
                assert operation.get("summary"), f"{method.upper()} {path} has no summary"

    def test_the_docs_page_loads_its_assets_locally(self, http):
        page = http.get("/docs").get_data(as_text=True)

        assert "/docs/assets/swagger-ui-bundle.js" in page
        assert "http://" not in page.replace("http://localhost", "")
        assert "https://" not in page
        asset = http.get("/docs/assets/swagger-ui-bundle.js")
        assert asset.status_code == 200 and len(asset.data) > 100_000


class TestErrors:
    def test_an_unknown_route_is_404_problem_json(self, http):
        body = problem_of(http.get("/api/v1/nowhere"), 404)

        assert body["type"].endswith("/not-found")

    def test_a_wrong_method_is_405(self, http):
        response = http.put("/healthz")

        problem_of(response, 405)
        assert "GET" in response.headers["Allow"]

    def test_malformed_json_is_400(self, http, coach):
        response = http.post(
            "/api/v1/clients",
            data='{"name": ',
            content_type="application/json",
            headers=coach.headers,
        )

        problem_of(response, 400)

    def test_validation_errors_name_the_field_path(self, http, coach):
        response = http.post(
            "/api/v1/clients",
            json={"name": "A", "email": "a@b.test", "running_profile": {"weekly_volume_km": "x"}},
            headers=coach.headers,
        )

        body = problem_of(response, 422)
        assert list(body["errors"]) == ["running_profile.weekly_volume_km"]

    def test_a_500_reveals_nothing_inside(self, tmp_path):
        app = create_app({**_test_config(), "SQLALCHEMY_DATABASE_URI": "sqlite://"})

        @app.route("/boom")
        def boom():
            raise RuntimeError("secret internals: password=hunter2 SELECT * FROM users")

        response = app.test_client().get("/boom")

        body = problem_of(response, 500)
        text = json.dumps(body)
        assert "hunter2" not in text and "SELECT" not in text and "Traceback" not in text


class TestRequestIdAndLogging:
    def test_every_response_carries_a_request_id(self, http):
        made = http.get("/healthz").headers["X-Request-ID"]
        kept = http.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"]

        assert len(made) == 32
        assert kept == "abc-123"

    def test_an_unsafe_request_id_is_replaced(self, http):
        response = http.get("/healthz", headers={"X-Request-ID": "bad id <script>"})

        assert response.headers["X-Request-ID"] != "bad id <script>"

    def test_one_log_line_per_request_without_bodies_or_tokens(self, http, coach):
        records: list[logging.LogRecord] = []
        handler = logging.Handler()
        handler.emit = records.append
        logger = logging.getLogger("academy.request")
        logger.addHandler(handler)
        try:
            http.post(
                "/api/v1/clients",
                json={"name": "Pain Seven", "email": "p@north.test", "goals": "knee pain 7/10"},
                headers={**coach.headers, "X-Request-ID": "req-1"},
            )
        finally:
            logger.removeHandler(handler)

        lines = [r.getMessage() for r in records]
        assert len(lines) == 1
        entry = json.loads(lines[0])
        assert entry == {
            "event": "request",
            "method": "POST",
            "path": "/api/v1/clients",
            "status": 201,
            "duration_ms": entry["duration_ms"],
            "request_id": "req-1",
        }
        assert coach.token not in lines[0] and "pain" not in lines[0].lower()


class TestCors:
    def test_a_configured_origin_is_allowed(self):
        app = create_app(
            {
                **_test_config(),
                "SQLALCHEMY_DATABASE_URI": "sqlite://",
                "CORS_ORIGINS": ["https://coach.example"],
            }
        )

        response = app.test_client().options(
            "/api/v1/clients",
            headers={"Origin": "https://coach.example", "Access-Control-Request-Method": "GET"},
        )

        assert response.headers["Access-Control-Allow-Origin"] == "https://coach.example"

    def test_other_origins_are_not(self, http):
        response = http.get("/api/v1/me", headers={"Origin": "https://evil.example"})

        assert "Access-Control-Allow-Origin" not in response.headers


class TestFactory:
    def test_two_apps_share_no_state(self, tmp_path):
        signups = {"title": "x"}
        first = create_app(
            {**_test_config(), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/one.db"}
        )
        second = create_app(
            {
                **_test_config(),
                "SIGNUP_ENABLED": False,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/two.db",
                "LOGIN_RATE_LIMIT": "1 per hour",
            }
        )
        for app in (first, second):
            with app.app_context():
                db.create_all()
        signups["first"] = first.test_client().post(
            "/api/v1/auth/signup",
            json={
                "academy_name": "A",
                "name": "A",
                "email": "a@a.test",
                "password": "long enough pw",
            },
        )
        signups["second"] = second.test_client().post(
            "/api/v1/auth/signup",
            json={
                "academy_name": "B",
                "name": "B",
                "email": "b@b.test",
                "password": "long enough pw",
            },
        )
        for _ in range(2):
            second.test_client().post(
                "/api/v1/auth/tokens", json={"email": "a@a.test", "password": "wrong wrong!"}
            )

        assert signups["first"].status_code == 201
        assert signups["second"].status_code == 403
        with second.app_context():
            assert db.session.scalar(sa.text("SELECT count(*) FROM users")) == 0
        # The second app's counters are its own (so is its database): the first lets a@a.test in.
        ok = first.test_client().post(
            "/api/v1/auth/tokens", json={"email": "a@a.test", "password": "long enough pw"}
        )
        assert ok.status_code == 201
        assert (
            first.extensions["academy.rate_limits"] is not second.extensions["academy.rate_limits"]
        )
        assert first.extensions["flask-smorest"] is not second.extensions["flask-smorest"]

    @pytest.mark.parametrize("url", ["postgres://u@h/db", "postgresql://u@h/db"])
    def test_postgres_urls_use_psycopg_3(self, url):
        from academy.config import database_url

        assert database_url(url) == "postgresql+psycopg://u@h/db"
