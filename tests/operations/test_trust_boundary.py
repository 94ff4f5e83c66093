"""Whom the app believes about where a request comes from: the trusted proxy's
X-Forwarded-* headers, and only from TRUSTED_PROXY_ADDRESSES; the links it hands out
start with PUBLIC_URL when it is set.

The suite's TestConfig trusts 127.0.0.1 (the test client's address), so a request
from elsewhere is made with another REMOTE_ADDR. tests/operations/test_proxy.py shows
the same through a real nginx.
"""

import pytest
import yaml

from academy import create_app
from academy.config import Config, TestConfig
from tests.auth.test_ratelimit import PASSWORD, WRONG, another_app, retry_after
from tests.conftest import problem_of
from tests.test_project import ROOT

PROXY = {"REMOTE_ADDR": "127.0.0.1"}
DIRECT = {"REMOTE_ADDR": "203.0.113.9"}  # a client that reached the app round the proxy
FORGED = {
    "X-Forwarded-For": "198.51.100.77",
    "X-Forwarded-Host": "evil.example:666",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Port": "666",
}


def sign_in(http, environ, headers=None, password=WRONG):
    return http.post(
        "/api/v1/auth/tokens",
        json={"email": "cora@north.test", "password": password},
        headers=headers or {},
        environ_base=environ,
    )


def feed_link(http, client_user, environ, **headers) -> str:
    response = http.post(
        "/api/v1/me/calendar-feed",
        headers={**client_user.headers, **headers},
        environ_base=environ,
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.headers["Location"] == response.get_json()["url"]
    return response.get_json()["url"]


@pytest.fixture
def proxied(app):
    with another_app(app, TRUSTED_PROXIES=1) as other:
        yield other.test_client()


class TestForwardedHeaders:
    def test_from_the_trusted_proxy_the_address_comes_from_the_last_hop(self, proxied, coach):
        for _ in range(5):
            problem_of(sign_in(proxied, PROXY, {"X-Forwarded-For": "203.0.113.5"}), 401)

        retry_after(sign_in(proxied, PROXY, {"X-Forwarded-For": "203.0.113.5"}))
        elsewhere = sign_in(proxied, PROXY, {"X-Forwarded-For": "198.51.100.7"}, PASSWORD)
        assert elsewhere.status_code == 201

    def test_from_any_other_address_they_are_ignored_and_the_peer_counts(self, proxied, coach):
        # Each failure claims another address; each is counted against the peer's.
        for n in range(5):
            forged = {"X-Forwarded-For": f"198.51.100.{n}"}
            problem_of(sign_in(proxied, DIRECT, forged), 401)

        retry_after(sign_in(proxied, DIRECT, {"X-Forwarded-For": "198.51.100.200"}, PASSWORD))
        # The addresses it claimed are not limited, directly or through the proxy.
        claimed = {"REMOTE_ADDR": "198.51.100.0"}
        assert sign_in(proxied, claimed, None, PASSWORD).status_code == 201
        through = sign_in(proxied, PROXY, {"X-Forwarded-For": "198.51.100.1"}, PASSWORD)
        assert through.status_code == 201

    def test_the_feed_link_carries_the_proxys_scheme_host_and_port(self, proxied, client_user):
        forwarded = {"X-Forwarded-Host": "academy.example:8443", "X-Forwarded-Proto": "https"}

        link = feed_link(proxied, client_user, PROXY, **forwarded)

        assert link.startswith("https://academy.example:8443/api/v1/calendar/")
        assert link.endswith(".ics")

    def test_a_direct_client_cannot_put_its_host_in_a_link_through_forwarded_headers(
        self, proxied, client_user
    ):
        link = feed_link(proxied, client_user, DIRECT, **FORGED)

        assert link.startswith("http://localhost/api/v1/calendar/")

    def test_without_trusted_proxies_no_forwarded_header_is_believed(self, http, client_user):
        link = feed_link(http, client_user, PROXY, **FORGED)

        assert link.startswith("http://localhost/api/v1/calendar/")


class TestPublicUrl:
    @pytest.fixture
    def published(self, app):
        with another_app(
            app, TRUSTED_PROXIES=1, PUBLIC_URL="https://academy.example.com/"
        ) as other:
            yield other.test_client()

    @pytest.mark.parametrize(
        "environ, headers",
        [
            (DIRECT, {"Host": "evil.example"}),
            (DIRECT, {"Host": "evil.example", **FORGED}),
            (PROXY, {"Host": "evil.example", **FORGED}),
        ],
        ids=["forged-host", "forged-host-and-forwarded", "through-the-proxy"],
    )
    def test_links_start_with_it_whatever_host_the_request_named(
        self, published, client_user, environ, headers
    ):
        link = feed_link(published, client_user, environ, **headers)

        assert link.startswith("https://academy.example.com/api/v1/calendar/")
        assert "evil" not in link and "666" not in link

    def test_the_link_it_hands_out_is_served(self, published, client_user):
        link = feed_link(published, client_user, DIRECT)

        answer = published.get(link.removeprefix("https://academy.example.com"))

        assert answer.status_code == 200
        assert answer.mimetype == "text/calendar"


class TestSettings:
    @pytest.mark.parametrize(
        "url",
        ["academy.example.com", "ftp://academy.example.com", "https://", "https://a.example/?x=1"],
    )
    def test_a_public_url_that_is_no_address_stops_the_app_from_starting(self, url):
        with pytest.raises(ValueError, match="PUBLIC_URL"):
            create_app(type("Broken", (TestConfig,), {"PUBLIC_URL": url}))

    def test_a_trusted_address_that_is_no_network_stops_the_app_from_starting(self):
        settings = {"TRUSTED_PROXY_ADDRESSES": ["10.77.0.0/33"], "TRUSTED_PROXIES": 1}

        with pytest.raises(ValueError, match="TRUSTED_PROXY_ADDRESSES"):
            create_app(type("Broken", (TestConfig,), settings))

    def test_compose_trusts_one_proxy_from_its_own_fixed_network_and_requires_public_url(self):
        document = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
        environment = document["services"]["app"]["environment"]
        subnet = document["networks"]["default"]["ipam"]["config"][0]["subnet"]

        assert environment["TRUSTED_PROXIES"] == "${TRUSTED_PROXIES:-1}"
        assert environment["TRUSTED_PROXY_ADDRESSES"] == subnet == "${ACADEMY_SUBNET:-10.77.0.0/24}"
        # The app's own default is the same network.
        assert Config.TRUSTED_PROXY_ADDRESSES == ["10.77.0.0/24"]
        assert environment["PUBLIC_URL"].startswith("${PUBLIC_URL:?")
