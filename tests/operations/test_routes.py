"""Health checks, docs, errors and the cross-cutting behaviour of every response."""

import io
import json
import logging
import os
import re
from datetime import date

import pytest
import sqlalchemy as sa

from academy import create_app
from academy.config import TestConfig
from academy.extensions import db
from academy.operations import logs
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

    def test_an_answer_promises_every_field_and_a_request_only_what_it_must_send(self, http):
        schemas = http.get("/openapi.json").get_json()["components"]["schemas"]

        assert schemas["Today"]["required"] == ["date", "sessions"]
        assert schemas["ClientItem"]["required"] == list(schemas["ClientItem"]["properties"])
        assert schemas["Token"]["required"] == list(schemas["Token"]["properties"])
        assert sorted(schemas["ClientCreate"]["required"]) == ["email", "name"]
        # Sent in a check-in as well as answered: only loading's rules apply.
        assert "required" not in schemas["Wellness"]
        # Its sections depend on the caller's role.
        assert "required" not in schemas["Export"]
        # Only the answer to an invitation carries its code.
        assert "invitation" not in schemas["Coach"]["properties"]
        assert "invitation" in schemas["CoachCreated"]["required"]

    def test_fields_an_answer_may_leave_empty_are_nullable(self, http):
        schemas = http.get("/openapi.json").get_json()["components"]["schemas"]

        exercise = schemas["Exercise"]["properties"]
        for name in ("side_bias", "video_url", "variation_of"):
            assert "null" in exercise[name]["type"], name
        assert "null" in schemas["Variation"]["properties"]["side_bias"]["type"]


class TestDocs:
    def test_the_docs_page_loads_its_assets_locally(self, http):
        response = http.get("/docs")

        assert response.status_code == 200
        assert response.mimetype == "text/html"
        page = response.get_data(as_text=True)
        scripts = re.findall(r"<script([^>]*)>", page)
        assert scripts == [
            ' src="/docs/assets/swagger-ui-bundle.js"',
            ' src="/docs/static/docs.js"',
        ]
        assert 'data-openapi-url="/openapi.json"' in page
        assert "http://" not in page and "https://" not in page
        bundle = http.get("/docs/assets/swagger-ui-bundle.js")
        assert bundle.status_code == 200 and len(bundle.data) > 1_000_000
        assert http.get("/docs/static/docs.js").status_code == 200

    def test_the_assets_are_swagger_ui_5_which_reads_openapi_3_1(self, http):
        version = http.get("/docs/assets/VERSION").get_data(as_text=True)
        spec = http.get("/openapi.json").get_json()

        assert version.startswith("v5.")
        assert spec["openapi"].startswith("3.1")

    @pytest.mark.parametrize(
        "path", ["/docs", "/docs/assets/swagger-ui.css", "/docs/static/docs.js"]
    )
    def test_the_docs_allow_nothing_but_the_app_itself(self, http, path):
        response = http.get(path)

        assert response.status_code == 200
        policy = dict(
            directive.strip().split(" ", 1)
            for directive in response.headers["Content-Security-Policy"].split(";")
        )
        assert policy == {
            "default-src": "'self'",
            "img-src": "'self' data:",
            "object-src": "'none'",
            "base-uri": "'none'",
            "form-action": "'none'",
            "frame-ancestors": "'none'",
        }

    def test_the_docs_are_not_api_operations(self, http):
        spec = http.get("/openapi.json").get_json()

        assert [path for path in spec["paths"] if path.startswith("/docs")] == []


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

    def test_one_json_log_line_per_request_without_bodies_or_tokens(self, http, coach):
        written = io.StringIO()
        handler = logs.JsonHandler(stream=written)
        logger = logging.getLogger("academy")
        logger.addHandler(handler)
        try:
            created = http.post(
                "/api/v1/clients",
                json={"name": "Pain Seven", "email": "p@north.test", "goals": "knee pain 7/10"},
                headers={**coach.headers, "X-Request-ID": "req-1"},
            )
        finally:
            logger.removeHandler(handler)

        lines = written.getvalue().splitlines()
        assert len(lines) == 1
        entry = json.loads(lines[0])
        assert entry == {
            "level": "INFO",
            "logger": "academy.request",
            "message": "request",
            "process": os.getpid(),
            "method": "POST",
            "path": "/api/v1/clients",
            "route": "/api/v1/clients",
            "status": 201,
            "duration_ms": entry["duration_ms"],
            "request_id": "req-1",
            "time": entry["time"],
        }
        assert entry["time"].endswith("+00:00")
        assert created.status_code == 201
        assert coach.token not in lines[0] and "pain" not in lines[0].lower()

    def test_the_route_is_the_template_not_the_path(self, http, coach):
        records: list[logging.LogRecord] = []
        handler = logging.Handler()
        handler.emit = records.append
        logger = logging.getLogger("academy.request")
        logger.addHandler(handler)
        try:
            http.get("/api/v1/clients/123", headers=coach.headers)
        finally:
            logger.removeHandler(handler)

        [record] = records
        assert (record.path, record.route) == (
            "/api/v1/clients/123",
            "/api/v1/clients/<int:client_id>",
        )

    def test_an_error_line_carries_the_request_id(self):
        app = create_app({**_test_config(), "SQLALCHEMY_DATABASE_URI": "sqlite://"})

        @app.route("/boom")
        def boom():
            raise RuntimeError("boom")

        written = io.StringIO()
        handler = logs.JsonHandler(stream=written)
        logger = logging.getLogger("academy.errors")
        logger.addHandler(handler)
        try:
            app.test_client().get("/boom", headers={"X-Request-ID": "req-500"})
        finally:
            logger.removeHandler(handler)

        [entry] = [json.loads(line) for line in written.getvalue().splitlines()]
        assert (entry["level"], entry["request_id"]) == ("ERROR", "req-500")
        assert "RuntimeError: boom" in entry["exc_info"]


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


class TestIntegrityErrors:
    """A write the database refuses is answered by the constraint it broke. The schemas
    stop such values first; these writes go past them, as a vocabulary word added
    without its migration would."""

    @pytest.fixture
    def writer(self, app):
        from academy.checkins.models import CheckIn

        # An app of its own on the suite's database, so that it can have extra routes.
        url = db.engine.url.render_as_string(hide_password=False)
        other = create_app({**_test_config(), "SQLALCHEMY_DATABASE_URI": url})

        @other.post("/write/<kind>")
        def write(kind):
            from academy.auth.models import Academy, User

            academy = Academy(name="Constraint Academy")
            db.session.add(academy)
            db.session.flush()
            if kind == "unique":
                for _ in range(2):
                    db.session.add(
                        User(academy_id=academy.id, role="owner", name="A", email="a@x.test")
                    )
            else:
                db.session.add(
                    CheckIn(academy_id=academy.id, client_id=10**6, date=date(2026, 3, 2), rpe=99)
                    if kind == "foreign"
                    else User(academy_id=academy.id, role="swimmer", name="A", email="b@x.test")
                )
            db.session.flush()
            return {}

        with other.app_context():
            yield other.test_client()
            db.session.remove()
            db.engine.dispose()

    def test_a_value_a_check_refuses_is_422_naming_its_field(self, writer):
        body = problem_of(writer.post("/write/check"), 422)

        assert body["type"].endswith("/validation-error")
        assert body["errors"] == {"role": ["Not an allowed value."]}

    def test_a_uniqueness_clash_is_409(self, writer):
        body = problem_of(writer.post("/write/unique"), 409)

        assert body["type"].endswith("/conflict")

    def test_a_reference_to_nothing_or_a_refused_range_is_422(self, writer):
        body = problem_of(writer.post("/write/foreign"), 422)

        assert body["type"].endswith("/validation-error")
        assert set(body["errors"]) <= {"rpe", "_body", "client_id"}
