"""Every operation of the API document, swept: those it marks as needing a token answer
401 without one, and a signed-in user of a role it does not list (``x-roles``) gets
403, both before anything else is looked at (the ids, the body, If-Match); every body
with a field no schema declares is 422 naming it; every id of another academy's object
(and, on the client app's calls, of another client's) is 404. None of them stores or
changes anything. A new operation is covered the moment it is served."""

import io
import re

import pytest
import sqlalchemy as sa

from academy import create_app
from academy.extensions import db
from tests.activities.conftest import file_bytes, upload
from tests.assessments.conftest import assessment_body, recorded
from tests.checkins.conftest import (
    assign,
    create_program,
    make_exercise,
    post_check_in,
    program_body,
)
from tests.conftest import problem_of
from tests.files.conftest import add_media, attach_video
from tests.files.samples import mp4, picture

# The operations anyone may call: health checks, signing up and signing in.
PUBLIC = {
    "GET /healthz",
    "GET /readyz",
    "POST /api/v1/auth/signup",
    "POST /api/v1/auth/tokens",
    "POST /api/v1/auth/tokens/refresh",
    "POST /api/v1/auth/invitations/accept",
    # The calendar feed: its secret address is the credential.
    "GET /api/v1/calendar/{token}.ics",
    "POST /api/v1/auth/password-reset",
    "POST /api/v1/auth/password-reset/confirm",
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


def _multipart(operation: dict) -> bool:
    return "multipart/form-data" in operation.get("requestBody", {}).get("content", {})


def _call(
    http,
    method: str,
    path: str,
    headers: dict | None = None,
    body: dict | None = None,
    multipart: bool = False,
):
    url = re.sub(r"\{[^}]+\}", "1", path)  # any id: the caller is turned away first
    if body is None and method in WRITES:
        body = {}
    sent = {} if body is None else {"json": body}
    if multipart and body is not None:  # an upload's fields come as multipart
        sent = {"data": body, "content_type": "multipart/form-data"}
    return http.open(url, method=method.upper(), headers=headers or {}, **sent)


def _snapshot() -> dict[str, list]:
    """Every row of every table, in primary-key order."""
    return {
        table.name: [
            tuple(row)
            for row in db.session.execute(sa.select(table).order_by(*table.primary_key.columns))
        ]
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
    before = _snapshot()

    response = _call(http, method, path)

    problem_of(response, 401)
    assert _snapshot() == before


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
    before = _snapshot()

    response = _call(http, method, path, caller.headers)

    problem_of(response, 403)
    assert _snapshot() == before


WITH_BODY = [(m, p, o) for m, p, o in OPERATIONS if "requestBody" in o]


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    [(m, p, o) for m, p, o in WITH_BODY],
    ids=[_name(m, p) for m, p, _ in WITH_BODY],
)
def test_an_unknown_body_field_is_422_naming_it_and_stores_nothing(
    http, owner, coach, client_user, method, path, operation
):
    roles = operation.get("x-roles")
    callers = {"owner": owner, "coach": coach, "client": client_user}
    caller = callers[roles[0]] if roles else coach
    before = _snapshot()

    response = _call(
        http, method, path, caller.headers, {"surprise": "1"}, multipart=_multipart(operation)
    )

    body = problem_of(response, 422)
    assert "surprise" in body["errors"]
    assert _snapshot() == before


# --- another academy's objects, another client's ------------------------------------------

# A valid upload for each operation that takes a file, made anew for every call (a
# file part is read once), so that only the look-up can refuse it.
UPLOADS = {
    "POST /api/v1/exercises/{exercise_id}/media": lambda: {
        "file": (io.BytesIO(picture("PNG", (40, 30))), "side.png"),
        "kind": "image",
    },
    "POST /api/v1/me/check-ins/{check_in_id}/media": lambda: {
        "file": (io.BytesIO(mp4()), "form.mp4"),
    },
}

# A valid change for each partial update, so that only the look-up can refuse it.
CHANGES = {
    "PATCH /api/v1/clients/{client_id}": {"goals": "Run further."},
    "PATCH /api/v1/exercises/{exercise_id}": {"summary": "Slower."},
    "PATCH /api/v1/assignments/{assignment_id}": {"notes": "Easy week."},
    "PATCH /api/v1/me/check-ins/{check_in_id}": {"notes": "Felt fine."},
    "PATCH /api/v1/assessments/{assessment_id}": {"notes": "Re-checked."},
}

WITH_IDS = [(m, p, o) for m, p, o in SECURED if "{" in p]
CLIENT_CALLS_WITH_IDS = [(m, p, o) for m, p, o in WITH_IDS if o.get("x-roles") == ["client"]]


def _exercises(academy_id: int) -> dict[str, int]:
    """An academy's own exercises for ``program_body``, by nickname."""
    stages = {"tucks": "position", "breathing": "breathing", "pulls": "strength"}
    return {
        name: make_exercise(academy_id, name.title(), stage).id for name, stage in stages.items()
    }


@pytest.fixture
def foreign(http, other_academy, other_academy_coach, other_academy_client) -> dict:
    """One object of every kind in another academy, by the path parameter naming it,
    and the bodies that are valid apart from naming them."""
    exercises = _exercises(other_academy.id)
    program = create_program(http, other_academy_coach, exercises)
    assignment = assign(http, other_academy_coach, other_academy_client.id, program["id"])
    check_in = post_check_in(http, other_academy_client, {"date": "2026-03-02"}).get_json()
    assessment = recorded(http, other_academy_coach, other_academy_client.id)
    activity = upload(http, other_academy_client, file_bytes("ten-k.fit")).get_json()
    message = http.post(
        "/api/v1/me/messages", json={"body": "Hip fine."}, headers=other_academy_client.headers
    ).get_json()
    media = add_media(http, other_academy_coach, exercises["tucks"], picture()).get_json()
    return {
        "ids": {
            "activity_id": activity["id"],
            "media_id": media["id"],
            "client_id": other_academy_client.id,
            "exercise_id": exercises["tucks"],
            "program_id": program["id"],
            "assignment_id": assignment["id"],
            "check_in_id": check_in["id"],
            "assessment_id": assessment["id"],
            "message_id": message["id"],
        },
        "bodies": {
            "PUT /api/v1/programs/{program_id}": program_body(exercises),
            "POST /api/v1/clients/{client_id}/assignments": {
                "program_id": program["id"],
                "start_date": "2026-03-02",
            },
            "POST /api/v1/clients/{client_id}/assessments": assessment_body(),
            "POST /api/v1/clients/{client_id}/messages": {"body": "How is the hip?"},
            "POST /api/v1/clients/{client_id}/messages/read": {"up_to_id": message["id"]},
            "POST /api/v1/assignments/{assignment_id}/apply-easier": {
                "items": [program["sessions"][0]["items"][0]["id"]]
            },
            **CHANGES,
        },
    }


def _call_with_ids(http, caller, method: str, path: str, operation: dict, world: dict):
    url = re.sub(r"\{([^}]+)\}", lambda m: str(world["ids"][m.group(1)]), path)
    body = {}
    if _multipart(operation):
        body = {"data": UPLOADS[_name(method, path)](), "content_type": "multipart/form-data"}
    elif "requestBody" in operation:
        body = {"json": world["bodies"].get(_name(method, path), {})}
    headers = {**caller.headers, "If-Match": "*"}  # no 428 before the look-up
    return http.open(url, method=method.upper(), headers=headers, **body)


@pytest.mark.parametrize(
    ("method", "path", "operation"), WITH_IDS, ids=[_name(m, p) for m, p, _ in WITH_IDS]
)
def test_another_academys_object_is_404_and_nothing_changes(
    http, coach, client_user, foreign, method, path, operation
):
    caller = client_user if operation.get("x-roles") == ["client"] else coach
    before = _snapshot()

    response = _call_with_ids(http, caller, method, path, operation, foreign)

    problem_of(response, 404)
    assert _snapshot() == before


@pytest.fixture
def neighbours(http, coach, other_client_user) -> dict:
    """The assignment and check-in of another client of the caller's own academy."""
    exercises = _exercises(coach.user.academy_id)
    program = create_program(http, coach, exercises)
    assignment = assign(http, coach, other_client_user.id, program["id"])
    check_in = post_check_in(http, other_client_user, {"date": "2026-03-02"}).get_json()
    activity = upload(http, other_client_user, file_bytes("ten-k.fit")).get_json()
    message = http.post(
        "/api/v1/me/messages", json={"body": "Hip fine."}, headers=other_client_user.headers
    ).get_json()
    video = attach_video(http, other_client_user, check_in["id"]).get_json()
    return {
        "ids": {
            "media_id": video["id"],
            "assignment_id": assignment["id"],
            "check_in_id": check_in["id"],
            "activity_id": activity["id"],
            "message_id": message["id"],
        },
        "bodies": CHANGES,
    }


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    CLIENT_CALLS_WITH_IDS,
    ids=[_name(m, p) for m, p, _ in CLIENT_CALLS_WITH_IDS],
)
def test_another_clients_object_is_404_and_nothing_changes(
    http, client_user, neighbours, method, path, operation
):
    before = _snapshot()

    response = _call_with_ids(http, client_user, method, path, operation, neighbours)

    problem_of(response, 404)
    assert _snapshot() == before
