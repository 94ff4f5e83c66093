"""GET /metrics: who may scrape it, and what it counts."""

import pytest

from academy.operations import metrics
from tests.checkins.conftest import post_check_in
from tests.conftest import problem_of

ELSEWHERE = {"REMOTE_ADDR": "203.0.113.7"}


def sample(name: str, **labels) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


class TestAccess:
    def test_a_loopback_caller_reads_the_text_format_without_a_token(self, http):
        response = http.get("/metrics")

        assert response.status_code == 200
        assert response.mimetype == "text/plain"
        assert "version=0.0.4" in response.headers["Content-Type"]
        assert "# TYPE academy_http_requests_total counter" in response.get_data(as_text=True)

    def test_elsewhere_without_a_configured_token_it_is_not_there(self, http):
        problem_of(http.get("/metrics", environ_base=ELSEWHERE), 404)

    def test_a_request_forwarded_by_a_proxy_on_this_host_is_not_a_loopback_caller(self, http):
        response = http.get("/metrics", headers={"X-Forwarded-For": "198.51.100.4"})

        problem_of(response, 404)

    @pytest.fixture
    def token(self, app, monkeypatch):
        monkeypatch.setitem(app.config, "METRICS_TOKEN", "scrape-me-please")
        return "scrape-me-please"

    def test_elsewhere_it_needs_the_token(self, http, token):
        missing = http.get("/metrics", environ_base=ELSEWHERE)
        basic = http.get(
            "/metrics", environ_base=ELSEWHERE, headers={"Authorization": "Basic c2NyYXBl"}
        )
        wrong = http.get(
            "/metrics", environ_base=ELSEWHERE, headers={"Authorization": "Bearer guess"}
        )
        right = http.get(
            "/metrics", environ_base=ELSEWHERE, headers={"Authorization": f"Bearer {token}"}
        )

        problem_of(missing, 401)
        problem_of(basic, 401)
        problem_of(wrong, 403)
        assert right.status_code == 200

    def test_it_is_not_an_api_operation(self, http):
        assert "/metrics" not in http.get("/openapi.json").get_json()["paths"]


class TestFigures:
    def test_requests_are_counted_by_route_template_method_and_status(self, http, coach):
        route = "/api/v1/clients/<int:client_id>"
        before = sample("academy_http_requests_total", route=route, method="GET", status="404")
        timed = sample("academy_http_request_duration_seconds_count", route=route, method="GET")

        for client_id in (101, 102, 103):
            http.get(f"/api/v1/clients/{client_id}", headers=coach.headers)
        http.get("/api/v1/no/such/thing")

        text = http.get("/metrics").get_data(as_text=True)
        after = sample("academy_http_requests_total", route=route, method="GET", status="404")
        assert after - before == 3
        assert sample("academy_http_request_duration_seconds_count", route=route, method="GET") == (
            timed + 3
        )
        assert "/api/v1/clients/101" not in text and "/api/v1/no/such" not in text
        assert 'route="unmatched"' in text

    def test_failed_sign_ins_are_counted(self, http, coach):
        before = sample("academy_failed_sign_ins_total", reason="wrong_credentials")

        http.post("/api/v1/auth/tokens", json={"email": "cora@north.test", "password": "nope" * 3})

        assert sample("academy_failed_sign_ins_total", reason="wrong_credentials") == before + 1

    def test_idempotent_replays_are_counted(self, http, client_user):
        before = sample("academy_idempotent_replays_total")
        body = {"date": "2026-03-02", "rpe": 4}

        post_check_in(http, client_user, body, key="count-me")
        post_check_in(http, client_user, body, key="count-me")

        assert sample("academy_idempotent_replays_total") == before + 1

    def test_the_pool_is_measured(self, http, coach):
        http.get("/api/v1/clients", headers=coach.headers)

        text = http.get("/metrics").get_data(as_text=True)

        assert "academy_db_pool_connections_in_use " in text
        assert "academy_db_pool_connections_open " in text
