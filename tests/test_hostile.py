"""Hostile input is a 4xx, never a 500: every operation of the API
document that takes an id, a query, a date, a string or a body gets the inputs that
once broke the service, and none of them stores anything."""

import io
import json
import logging
import re

import pytest
import sqlalchemy as sa

from academy.extensions import db
from tests.conftest import PASSWORD, problem_of
from tests.test_access import OPERATIONS, _name, _snapshot

HUGE_IDS = ["0", "-1", str(2**31), str(2**63), str(10**30)]
NUL = "x\u0000y"
LONE_SURROGATE = "x\ud800y"
FAR_DATES = ["9999-12-31", "0001-01-01", "1899-12-31", "2101-01-01"]


def _schemas() -> dict:
    from tests.test_access import _document

    return _document()["components"]["schemas"]


SCHEMAS = _schemas()
# What came back from every hostile call of this module: status → count.
ANSWERS: dict[int, int] = {}


def _caller(operation: dict, actors: dict) -> dict:
    roles = operation.get("x-roles")
    if "security" not in operation:
        return {}
    return actors[roles[0] if roles else "coach"].headers


def _url(path: str, value: str = "1") -> str:
    return re.sub(r"\{[^}]+\}", value, path)


def _send(http, method: str, url: str, headers: dict, **kwargs):
    response = http.open(url, method=method.upper(), headers=headers, **kwargs)
    ANSWERS[response.status_code] = ANSWERS.get(response.status_code, 0) + 1
    assert response.status_code < 500, f"{method.upper()} {url}: {response.get_data(True)}"
    return response


def _resolve(schema: dict) -> dict:
    ref = schema.get("$ref")
    return SCHEMAS[ref.rsplit("/", 1)[1]] if ref else schema


def _body_schema(operation: dict) -> dict | None:
    content = operation.get("requestBody", {}).get("content", {})
    return _resolve(content["application/json"]["schema"]) if content else None


def _hostile_values(prop: dict) -> list:
    """Values of the property's own type that no column can take, or out of range."""
    kinds = prop.get("type", "string")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "integer" in kinds:
        return [2**63, 10**30, -(2**63)]
    if prop.get("format") == "date":
        return FAR_DATES
    if "string" in kinds:
        return [NUL, LONE_SURROGATE]
    return []


@pytest.fixture
def actors(owner, coach, client_user) -> dict:
    return {"owner": owner, "coach": coach, "client": client_user}


WITH_IDS = [(m, p, o) for m, p, o in OPERATIONS if "{" in p]


@pytest.mark.parametrize(
    ("method", "path", "operation"), WITH_IDS, ids=[_name(m, p) for m, p, _ in WITH_IDS]
)
def test_an_id_beyond_its_column_in_a_path_is_404(http, actors, method, path, operation):
    before = _snapshot()

    for value in HUGE_IDS:
        response = _send(http, method, _url(path, value), _caller(operation, actors), json={})

        problem_of(response, 404)
    assert _snapshot() == before


WITH_QUERY = [
    (m, p, o, q)
    for m, p, o in OPERATIONS
    for q in o.get("parameters", [])
    if q["in"] == "query" and q["name"] != "page_size"
]


@pytest.mark.parametrize(
    ("method", "path", "operation", "parameter"),
    WITH_QUERY,
    ids=[f"{_name(m, p)} ?{q['name']}" for m, p, _, q in WITH_QUERY],
)
def test_a_hostile_query_value_is_422_naming_it(http, actors, method, path, operation, parameter):
    name, prop = parameter["name"], parameter["schema"]
    prop = prop.get("items", prop) if prop.get("type") == "array" else prop
    values = _hostile_values(prop) or []
    if prop.get("type") == "string" and prop.get("format") != "date":
        values = [NUL]  # a lone surrogate cannot travel in a URL: it is not UTF-8
    if name == "page":
        values = [1_000_001, 2**63]
    before = _snapshot()

    for value in values:
        response = _send(
            http, method, _url(path), _caller(operation, actors), query_string={name: value}
        )

        named = problem_of(response, 422)["errors"]
        assert any(key.startswith(f"query.{name}") for key in named), (value, named)
    assert _snapshot() == before


def test_an_unknown_query_parameter_is_422_naming_it(http, coach):
    response = http.get("/api/v1/clients?order=name&colour=blue", headers=coach.headers)

    assert set(problem_of(response, 422)["errors"]) == {"query.colour", "query.order"}


def test_an_unknown_query_parameter_on_a_call_without_any_is_422(http, coach):
    response = http.get("/api/v1/me?expand=academy", headers=coach.headers)

    assert problem_of(response, 422)["errors"] == {"query.expand": ["Unknown parameter."]}


def test_a_missing_token_is_still_401_with_an_unknown_query_parameter(http):
    problem_of(http.get("/api/v1/clients?colour=blue"), 401)


# JSON bodies; an upload's multipart body meets hostile files in tests/activities.
WITH_BODY = [
    (m, p, o)
    for m, p, o in OPERATIONS
    if "application/json" in o.get("requestBody", {}).get("content", {})
]
BODY_FIELDS = [
    (m, p, o, field, value)
    for m, p, o in WITH_BODY
    for field, prop in _body_schema(o).get("properties", {}).items()
    if not prop.get("readOnly")
    for value in _hostile_values(prop)
]


@pytest.mark.parametrize(
    ("method", "path", "operation", "field", "value"),
    BODY_FIELDS,
    ids=[f"{_name(m, p)} {f}={v!r}"[:120] for m, p, _, f, v in BODY_FIELDS],
)
def test_a_hostile_body_value_is_422_naming_it(http, actors, method, path, operation, field, value):
    before = _snapshot()
    # json.dumps writes a lone surrogate as the escape \\ud800, as a client would.
    body = json.dumps({field: value})

    response = _send(
        http,
        method,
        _url(path),
        {**_caller(operation, actors), "Content-Type": "application/json", "If-Match": "*"},
        data=body,
    )

    named = problem_of(response, 422)["errors"]
    assert any(key.startswith(field) for key in named), named
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("method", "path", "operation"), WITH_BODY, ids=[_name(m, p) for m, p, _ in WITH_BODY]
)
def test_json_nested_too_deep_is_400(http, actors, method, path, operation):
    headers = {**_caller(operation, actors), "Content-Type": "application/json"}
    before = _snapshot()

    for body in ("[" * 100_000, "[" * 33 + "]" * 33, '{"a":' * 40 + "1" + "}" * 40):
        response = _send(http, method, _url(path), headers, data=body)

        assert "nested deeper than 32" in problem_of(response, 400)["detail"]
    assert _snapshot() == before


def test_json_nested_32_levels_is_read(http, coach):
    body = '{"name": "Deep", "email": "deep@north.test", "goals": "x", "unknown": '
    body += "[" * 31 + "]" * 31 + "}"

    response = http.post(
        "/api/v1/clients", data=body, content_type="application/json", headers=coach.headers
    )

    assert "unknown" in problem_of(response, 422)["errors"]


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity"])
def test_numbers_json_does_not_have_are_400(http, coach, number):
    body = '{"name": "A", "email": "a@north.test", "running_profile": {"weekly_volume_km": '
    body += number + "}}"

    response = http.post(
        "/api/v1/clients", data=body, content_type="application/json", headers=coach.headers
    )

    problem_of(response, 400)


def test_a_body_that_is_not_json_is_415(http, coach):
    response = http.post(
        "/api/v1/clients", data="name=A", content_type="text/plain", headers=coach.headers
    )

    problem_of(response, 415)


def test_a_required_body_left_out_is_422(http, coach):
    response = http.patch("/api/v1/me", headers=coach.headers)

    assert problem_of(response, 422)["errors"] == {"_body": ["Send a JSON body."]}


def test_an_empty_change_is_422(http, coach):
    response = http.patch("/api/v1/me", json={}, headers=coach.headers)

    assert problem_of(response, 422)["errors"] == {"_body": ["Send at least one field to change."]}


def test_nested_hostile_values_are_named_by_their_path(http, coach):
    body = {
        "name": "Pelvis",
        "weeks": 1,
        "sessions": [{"week": 1, "day": 1, "items": [{"exercise_id": 2**40, "notes": NUL}]}],
    }

    response = http.post("/api/v1/programs", json=body, headers=coach.headers)

    assert problem_of(response, 422)["errors"] == {
        "sessions[0].items[0].notes": ["Must not contain NUL characters or unpaired surrogates."]
    }


@pytest.mark.parametrize("key", ["x\u0000", "é", "two words", "k" * 201])
def test_an_idempotency_key_of_other_than_visible_ascii_is_422(http, client_user, key):
    before = _snapshot()

    response = http.post(
        "/api/v1/me/check-ins",
        json={"date": "2026-03-02"},
        headers={**client_user.headers, "Idempotency-Key": key},
    )

    assert "Idempotency-Key" in problem_of(response, 422)["errors"]
    assert _snapshot() == before


@pytest.mark.parametrize(
    "query", ["date=9999-12-31", "date=0001-01-01", "from=9999-12-25", "to=0001-01-01"]
)
def test_far_dates_never_reach_the_schedules_arithmetic(http, client_user, query):
    path = "/api/v1/me/today" if query.startswith("date") else "/api/v1/me/schedule"

    response = http.get(f"{path}?{query}", headers=client_user.headers)

    assert problem_of(response, 422)["errors"]


class TestDatabaseErrorsInTheLog:
    """An unexpected database error is logged without the values it was given."""

    @pytest.fixture
    def failing_insert(self, app):
        engine = db.engine
        error = engine.dialect.loaded_dbapi.OperationalError

        def refuse(conn, cursor, statement, parameters, context, executemany):
            if statement.startswith("INSERT INTO check_ins"):
                raise error("the disk is full")

        sa.event.listen(engine, "before_cursor_execute", refuse)
        yield
        sa.event.remove(engine, "before_cursor_execute", refuse)

    def test_the_log_holds_the_statement_but_never_its_values(
        self, http, client_user, failing_insert, caplog
    ):
        notes = "Woke at 3am with knee pain, slept 4 hours"
        caplog.set_level(logging.INFO)

        response = http.post(
            "/api/v1/me/check-ins",
            json={"date": "2026-03-02", "notes": notes, "wellness": {"sleep_hours": 4.25}},
            headers=client_user.headers,
        )

        assert response.status_code >= 500
        assert "knee" not in response.get_data(as_text=True)
        logged = "\n".join(record.getMessage() for record in caplog.records)
        assert "INSERT INTO check_ins" in logged
        assert "knee pain" not in logged and "4.25" not in logged
        assert "parameters hidden" not in logged or "knee" not in logged


class TestProgramBounds:
    def _program(self, exercise_id: int, sessions: int, items: int, weeks: int = 52) -> dict:
        return {
            "name": "Big",
            "weeks": weeks,
            "sessions": [
                {
                    "week": 1 + s // 7,
                    "day": 1 + s % 7,
                    "items": [{"exercise_id": exercise_id}] * items,
                }
                for s in range(sessions)
            ],
        }

    @pytest.fixture
    def exercise_id(self, academy):
        from tests.checkins.conftest import make_exercise

        return make_exercise(academy.id, "Tucks", "position").id

    def test_more_than_2000_items_is_422_before_reading_them(self, http, coach, exercise_id):
        body = self._program(exercise_id, sessions=51, items=40)

        response = http.post("/api/v1/programs", json=body, headers=coach.headers)

        assert problem_of(response, 422)["errors"] == {
            "sessions": ["At most 2,000 items in all; this has 2,040."]
        }

    def test_more_than_40_items_in_a_session_is_422(self, http, coach, exercise_id):
        body = self._program(exercise_id, sessions=1, items=41)

        response = http.post("/api/v1/programs", json=body, headers=coach.headers)

        assert "sessions[0].items" in problem_of(response, 422)["errors"]

    def test_more_than_52_weeks_is_422(self, http, coach, exercise_id):
        body = self._program(exercise_id, sessions=1, items=1, weeks=53)

        response = http.post("/api/v1/programs", json=body, headers=coach.headers)

        assert "weeks" in problem_of(response, 422)["errors"]

    def test_the_largest_program_is_written_and_copied(self, http, coach, exercise_id):
        body = self._program(exercise_id, sessions=50, items=40)

        created = http.post("/api/v1/programs", json=body, headers=coach.headers)
        copied = http.post(
            f"/api/v1/programs/{created.get_json()['id']}/copy", json={}, headers=coach.headers
        )

        assert created.status_code == copied.status_code == 201
        assert sum(len(s["items"]) for s in copied.get_json()["sessions"]) == 2000


class TestChunkedBodies:
    """A body sent in chunks has no Content-Length; gunicorn marks it terminated."""

    def _post_chunked(self, http, app, body: bytes):
        return http.post(
            "/api/v1/auth/tokens",
            input_stream=io.BytesIO(body),
            content_type="application/json",
            headers={"Transfer-Encoding": "chunked"},
            environ_overrides={"wsgi.input_terminated": True},
        )

    def test_one_over_the_limit_is_413(self, http, app):
        body = json.dumps({"email": "a@north.test", "password": "x" * 2_000_000}).encode()

        response = self._post_chunked(http, app, body)

        problem_of(response, 413)

    def test_one_within_the_limit_is_read_whole(self, http, app, owner):
        body = json.dumps({"email": "olive@north.test", "password": PASSWORD}).encode()

        response = self._post_chunked(http, app, body)

        assert response.status_code == 201
        assert response.get_json()["user"]["email"] == "olive@north.test"


def test_no_hostile_input_answered_500(request):
    """The module's sweep, counted (run last in this module)."""
    print(f"\nhostile inputs answered: {dict(sorted(ANSWERS.items()))}")
    assert not [status for status in ANSWERS if status >= 500]
