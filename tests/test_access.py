"""Every operation of the API document, swept: those it marks as needing a token answer
401 without one, and a signed-in user of a role it does not list (``x-roles``) gets
403, both before anything else is looked at (the ids, the body, If-Match); every body
with a field no schema declares is 422 naming it. None of them stores anything. A new
operation is covered the moment it is served."""

import re

import pytest
import sqlalchemy as sa

from academy import create_app
from academy.extensions import db
from tests.conftest import problem_of

# The operations anyone may call: health checks, signing up and signing in.
PUBLIC = {
    "GET /healthz",
    "GET /readyz",
    "POST /api/v1/auth/signup",
    "POST /api/v1/auth/tokens",
    "POST /api/v1/auth/tokens/refresh",
    "POST /api/v1/auth/invitations/accept",
}
WRITES = {"post", "put", "patch"}


def _document() -> dict:
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "LOG_LEVEL": "WARNING"})
    return app.test_client().get("/openapi.json").get_json()


def _operations() -> list[tuple[str, str, dict]]:
    return [
        (method, path, operation)
        for path, operations in _document()["paths"].items()
        for method, operation in operations.items()
        if method != "parameters"
    ]


OPERATIONS = _operations()
SECURED = [(m, p, o) for m, p, o in OPERATIONS if "security" in o]
RESTRICTED = [(m, p, o) for m, p, o in SECURED if "x-roles" in o]


def _name(method: str, path: str) -> str:
    return f"{method.upper()} {path}"


def _call(http, method: str, path: str, headers: dict | None = None):
    url = re.sub(r"\{[^}]+\}", "1", path)  # any id: the caller is turned away first
    body = {"json": {}} if method in WRITES else {}
    return http.open(url, method=method.upper(), headers=headers or {}, **body)


def _row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def test_only_the_expected_operations_are_public():
    public = {_name(m, p) for m, p, o in OPERATIONS if "security" not in o}

    assert public == PUBLIC


def test_most_operations_name_the_roles_that_may_call_them():
    assert len(RESTRICTED) >= 40
    for _method, _path, operation in RESTRICTED:
        assert set(operation["x-roles"]) <= {"owner", "coach", "client"}
        assert "403" in operation["responses"]


@pytest.mark.parametrize(
    ("method", "path"), [(m, p) for m, p, _ in SECURED], ids=[_name(m, p) for m, p, _ in SECURED]
)
def test_without_a_token_it_is_401_and_stores_nothing(http, coach, method, path):
    before = _row_counts()

    response = _call(http, method, path)

    problem_of(response, 401)
    assert _row_counts() == before


@pytest.mark.parametrize(
    ("method", "path", "roles"),
    [(m, p, o["x-roles"]) for m, p, o in RESTRICTED],
    ids=[_name(m, p) for m, p, _ in RESTRICTED],
)
def test_a_role_it_does_not_list_gets_403_and_stores_nothing(
    http, coach, client_user, method, path, roles
):
    caller = coach if coach.user.role not in roles else client_user
    assert caller.user.role not in roles
    before = _row_counts()

    response = _call(http, method, path, caller.headers)

    problem_of(response, 403)
    assert _row_counts() == before


WITH_BODY = [(m, p, o) for m, p, o in OPERATIONS if "requestBody" in o]


@pytest.mark.parametrize(
    ("method", "path", "roles"),
    [(m, p, o.get("x-roles")) for m, p, o in WITH_BODY],
    ids=[_name(m, p) for m, p, _ in WITH_BODY],
)
def test_an_unknown_body_field_is_422_naming_it_and_stores_nothing(
    http, owner, coach, client_user, method, path, roles
):
    callers = {"owner": owner, "coach": coach, "client": client_user}
    caller = callers[roles[0]] if roles else coach
    before = _row_counts()

    response = http.open(
        re.sub(r"\{[^}]+\}", "1", path),
        method=method.upper(),
        headers=caller.headers,
        json={"surprise": 1},
    )

    body = problem_of(response, 422)
    assert "surprise" in body["errors"]
    assert _row_counts() == before
