"""No secret reaches a log line: the calendar feed's address, reset and invitation codes,
access and refresh tokens and passwords. Each is used the ways a client, a mistyping
person or an attacker would (found, stale, reused, in a query string, in a path that
names nothing, in a request that fails on the server), with Academy's loggers at DEBUG
and SQLAlchemy's statements logged, and every line written is scanned for each."""

import io
import json
import logging

import pytest

from academy.calendar import service as calendar
from academy.operations import logs
from academy.operations.requests import loggable_path
from tests.auth.test_password_reset import mailed_code
from tests.calendar.test_routes import feed_url
from tests.clients.test_routes import create
from tests.conftest import PASSWORD

# Loggers and the level each is set to while a test runs: everything Academy writes,
# and each statement SQLAlchemy runs (its values are hidden by the engine).
LEVELS = {"academy": logging.DEBUG, "sqlalchemy.engine": logging.INFO, "werkzeug": logging.DEBUG}


@pytest.fixture
def written():
    """What the log handler writes (as JSON lines), and every record's own fields."""
    stream, records = io.StringIO(), []
    handler = logs.JsonHandler(stream=stream, level=logging.DEBUG)

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    keeper = Keep(level=logging.DEBUG)
    root = logging.getLogger()
    before = {name: logging.getLogger(name).level for name in LEVELS}
    root.addHandler(handler)
    root.addHandler(keeper)
    for name, level in LEVELS.items():
        logging.getLogger(name).setLevel(level)
    try:
        yield (
            lambda: (
                stream.getvalue()
                + "\n".join(json.dumps(vars(record), default=repr) for record in records)
            )
        )
    finally:
        root.removeHandler(handler)
        root.removeHandler(keeper)
        for name, level in before.items():
            logging.getLogger(name).setLevel(level)


def assert_nowhere(text: str, secrets: list[str]) -> None:
    assert text.strip(), "nothing was logged: the scan would prove nothing"
    for secret in secrets:
        assert secret not in text, f"a secret ({secret[:4]}…) reached the log"


def test_the_calendar_feeds_address_is_logged_redacted(http, client_user, written, monkeypatch):
    url = feed_url(http, client_user).removeprefix("http://localhost")
    token = url.rsplit("/", 1)[1].removesuffix(".ics")

    read = http.get(url)
    unchanged = http.get(url, headers={"If-None-Match": read.headers["ETag"]})
    asked = http.get(f"{url}?token={token}")
    unmatched = http.get(url.removesuffix(".ics"))
    deeper = http.get(f"{url}/{token}")
    monkeypatch.setattr(calendar, "calendar", lambda *args, **kwargs: 1 / 0)
    failed = http.get(url)
    monkeypatch.undo()
    feed_url(http, client_user)  # rotated: the old address is gone
    stale = http.get(url)

    assert [r.status_code for r in (read, unchanged, asked, unmatched, deeper, failed, stale)] == [
        200,
        304,
        422,
        404,
        404,
        500,
        404,
    ]
    lines = [json.loads(line) for line in written().splitlines() if line.startswith("{")]
    paths = {line["path"] for line in lines if line.get("message") == "request"}
    assert "/api/v1/calendar/[redacted].ics" in paths
    assert "/api/v1/calendar/[redacted]" in paths
    assert any("ZeroDivisionError" in line.get("exc_info", "") for line in lines)
    assert_nowhere(written(), [token, client_user.token])


def test_reset_codes_are_never_logged(http, coach, written):
    http.post("/api/v1/auth/password-reset", json={"email": "cora@north.test"})
    code = mailed_code("cora@north.test")
    confirm = "/api/v1/auth/password-reset/confirm"

    weak = http.post(confirm, json={"code": code, "password": "password1"})
    in_query = http.post(f"{confirm}?code={code}", json={"code": code, "password": "x"})
    done = http.post(confirm, json={"code": code, "password": "stride length matters"})
    again = http.post(confirm, json={"code": code, "password": "stride length matters"})

    assert [r.status_code for r in (weak, in_query, done, again)] == [422, 422, 204, 401]
    assert_nowhere(written(), [code, "stride length matters", coach.token])


def test_invitation_codes_are_never_logged(http, coach, written):
    code = create(http, coach).get_json()["invitation"]["code"]
    accept = "/api/v1/auth/invitations/accept"

    weak = http.post(accept, json={"code": code, "password": "password1"})
    in_query = http.post(f"{accept}?code={code}", json={"code": code, "password": "x"})
    accepted = http.post(accept, json={"code": code, "password": "my own password"})
    again = http.post(accept, json={"code": code, "password": "my own password"})

    assert [r.status_code for r in (weak, in_query, accepted, again)] == [422, 422, 201, 401]
    secrets = [code, "my own password", accepted.get_json()["refresh_token"], coach.token]
    assert_nowhere(written(), secrets)


def test_tokens_and_passwords_are_never_logged(http, coach, written):
    signed_in = http.post(
        "/api/v1/auth/tokens", json={"email": "cora@north.test", "password": PASSWORD}
    ).get_json()
    refresh = "/api/v1/auth/tokens/refresh"

    rotated = http.post(refresh, json={"refresh_token": signed_in["refresh_token"]})
    retried = http.post(refresh, json={"refresh_token": signed_in["refresh_token"]})
    in_query = http.post(
        f"{refresh}?refresh_token={signed_in['refresh_token']}",
        json={"refresh_token": signed_in["refresh_token"]},
    )
    bearer = {"Authorization": f"Bearer {retried.get_json()['access_token']}"}
    read = http.get("/api/v1/me", headers=bearer)
    wrong = http.post("/api/v1/auth/tokens", json={"email": "cora@north.test", "password": "no"})

    assert [r.status_code for r in (rotated, retried, in_query, read, wrong)] == [
        201,
        201,
        422,
        200,
        401,
    ]
    secrets = [
        signed_in["refresh_token"],
        signed_in["access_token"],
        rotated.get_json()["refresh_token"],
        rotated.get_json()["access_token"],
        retried.get_json()["refresh_token"],
        retried.get_json()["access_token"],
        PASSWORD,
    ]
    assert_nowhere(written(), secrets)


@pytest.mark.parametrize(
    "path, logged",
    [
        ("/api/v1/calendar/s3cr3t.ics", "/api/v1/calendar/[redacted].ics"),
        ("/api/v1/calendar/s3cr3t", "/api/v1/calendar/[redacted]"),
        ("/api/v1/calendar/s3/cr/et.ics", "/api/v1/calendar/[redacted].ics"),
        ("/api/v1/calendar/s3cr\n3t.ics", "/api/v1/calendar/[redacted].ics"),
        ("/api/v1/me/calendar-feed", "/api/v1/me/calendar-feed"),
        ("/api/v1/clients/12", "/api/v1/clients/12"),
    ],
)
def test_the_logged_path_hides_what_follows_the_calendar_prefix(path, logged):
    assert loggable_path(path) == logged
