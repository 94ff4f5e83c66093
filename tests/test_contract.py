"""What the document promises of every operation, checked against the wire.

- Every operation has an ``operationId``: present, unique, of the form verb + view name
  (``listClients``, ``getClientById``), and the same from one build of the app to the
  next, so that generated clients keep their method names.
- Every answer of every operation documents the ``Cache-Control`` it carries, as the
  one value it is: ``no-store``; ``private, no-cache`` for the conditional reads (their
  200 and 304); the calendar feed's own. A read of every GET operation of the demo
  academy (and a 304 of every conditional one) answers exactly that. (Every other test
  checks the same on every answer it gets: the suite's client holds each answer to
  its documented headers, required ones included.)
"""

import re

import pytest
import sqlalchemy as sa

from academy import create_app, demo
from academy.activities.models import Activity
from academy.assessments.models import Assessment
from academy.auth.models import User
from academy.checkins.models import CheckIn
from academy.common.blueprint import OPERATION_ID
from academy.exercises import service as exercises
from academy.exercises.models import Exercise
from academy.extensions import db
from academy.messages.models import Message
from academy.programs.models import Assignment, Program
from tests.conftest import sign_in
from tests.test_access import OPERATIONS, _document

CACHE_CONTROLS = {"no-store", "private, no-cache", "private, max-age=300"}


def _name(method: str, path: str) -> str:
    return f"{method.upper()} {path}"


class TestOperationIds:
    def test_every_operation_has_one_of_the_documented_form_and_none_repeats(self):
        ids = [operation.get("operationId") for _, _, operation in OPERATIONS]

        assert all(ids), [_name(m, p) for m, p, o in OPERATIONS if not o.get("operationId")]
        assert [i for i in ids if not OPERATION_ID.match(i)] == []
        assert len(set(ids)) == len(ids)

    def test_the_ids_are_the_same_from_one_build_to_the_next(self):
        again = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "LOG_LEVEL": "WARNING"})
        rebuilt = again.test_client().get("/openapi.json").get_json()

        assert {
            _name(method, path): operation["operationId"]
            for path, operations in rebuilt["paths"].items()
            for method, operation in operations.items()
            if method != "parameters"
        } == {_name(m, p): o["operationId"] for m, p, o in OPERATIONS}

    def test_each_id_is_its_verb_and_its_views_name(self, app):
        views = {rule.endpoint.rsplit(".", 1)[-1] for rule in app.url_map.iter_rules()}
        for method, path, operation in OPERATIONS:
            verb = re.match(r"^[a-z]+", operation["operationId"]).group()
            assert verb == method or (method, verb) == ("get", "list"), _name(method, path)
            assert operation["operationId"][len(verb) :] in views, _name(method, path)

    @pytest.mark.parametrize(
        "operation, expected",
        [
            ("GET /api/v1/clients", "listClients"),
            ("GET /api/v1/clients/{client_id}", "getClientById"),
            ("POST /api/v1/auth/tokens", "postTokens"),
            ("GET /api/v1/me/today", "getMyToday"),
            ("POST /api/v1/me/check-ins", "postMyCheckIns"),
            ("PATCH /api/v1/me/check-ins/{check_in_id}", "patchMyCheckInById"),
            ("GET /api/v1/calendar/{token}.ics", "getCalendarFile"),
        ],
    )
    def test_the_ids_client_apps_use_stay_as_they_are(self, operation, expected):
        ids = {_name(m, p): o["operationId"] for m, p, o in OPERATIONS}

        assert ids[operation] == expected


def _documented(response: dict, document: dict) -> dict:
    if "$ref" in response:
        return document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response


class TestCacheControlIsDocumented:
    def test_every_answer_of_every_operation_names_its_one_value(self):
        document = _document()
        missing = []
        for method, path, operation in OPERATIONS:
            for status, response in operation["responses"].items():
                header = _documented(response, document).get("headers", {}).get("Cache-Control")
                if (
                    header is None
                    or not header.get("required")
                    or header["schema"].get("const") not in CACHE_CONTROLS
                ):
                    missing.append(f"{_name(method, path)} {status}")

        assert missing == []

    def test_conditional_reads_say_private_no_cache_on_their_200_and_304(self):
        conditional = [(m, p, o) for m, p, o in OPERATIONS if "304" in o["responses"]]

        assert len(conditional) >= 9
        for method, path, operation in conditional:
            for status in ("200", "304"):
                header = operation["responses"][status]["headers"]["Cache-Control"]
                expected = "private, max-age=300" if path.endswith(".ics") else "private, no-cache"
                assert header["schema"]["const"] == expected, f"{_name(method, path)} {status}"
                assert operation["responses"][status]["headers"]["ETag"]["required"]

    def test_a_created_check_in_is_documented_as_it_is_sent(self):
        [operation] = [o for m, p, o in OPERATIONS if _name(m, p) == "POST /api/v1/me/check-ins"]

        headers = operation["responses"]["201"]["headers"]
        assert headers["Cache-Control"]["schema"]["const"] == "no-store"
        assert headers["ETag"]["required"] and headers["Location"]["required"]


def _ids(model, *where) -> list[int]:
    return list(db.session.scalars(sa.select(model.id).where(*where).order_by(model.id)))


@pytest.fixture
def demo_academy(http):
    """The demo academy, its owner and Sam signed in, and an id of each kind of object
    (Sam's own where the client app reads them), by path parameter."""
    exercises.load_catalogue(exercises.read_catalogue())
    demo.load()
    db.session.commit()
    owner = sign_in(db.session.scalar(sa.select(User).where(User.email == demo.OWNER["email"])))
    sam = sign_in(db.session.scalar(sa.select(User).where(User.email == demo.CLIENTS[0]["email"])))
    feed = http.post("/api/v1/me/calendar-feed", headers=sam.headers).get_json()["url"]
    ids = {
        "client_id": sam.id,
        "exercise_id": _ids(Exercise)[0],
        "program_id": _ids(Program, Program.academy_id == owner.academy_id)[0],
        "assignment_id": _ids(Assignment, Assignment.client_id == sam.id)[0],
        "check_in_id": _ids(CheckIn, CheckIn.client_id == sam.id)[0],
        "assessment_id": _ids(
            Assessment, Assessment.client_id == sam.id, Assessment.shared_with_client
        )[0],
        "message_id": _ids(Message, Message.client_id == sam.id)[0],
        "activity_id": (_ids(Activity, Activity.client_id == sam.id) or [None])[0],
        "token": feed.rsplit("/", 1)[1].removesuffix(".ics"),
    }
    return owner, sam, ids


def test_every_read_answers_the_cache_control_it_documents(http, demo_academy):
    owner, sam, ids = demo_academy
    mismatches, read = [], 0
    for method, path, operation in OPERATIONS:
        if method != "get":
            continue
        names = re.findall(r"\{([^}]+)\}", path)
        if any(ids.get(name) is None for name in names):
            continue  # the demo academy holds none (an uploaded activity)
        url = re.sub(r"\{([^}]+)\}", lambda m: str(ids[m.group(1)]), path)
        roles = operation.get("x-roles", ["owner"])
        caller = owner if ("owner" in roles or "coach" in roles) else sam
        response = http.get(url, headers=caller.headers)
        read += 1
        documented = operation["responses"][str(response.status_code)]["headers"]
        expected = documented["Cache-Control"]["schema"]["const"]
        if response.status_code != 200 or response.headers.get("Cache-Control") != expected:
            mismatches.append((_name(method, path), response.status_code, expected))
        if "304" in operation["responses"] and response.status_code == 200:
            again = http.get(
                url, headers={**caller.headers, "If-None-Match": response.headers["ETag"]}
            )
            expected = operation["responses"]["304"]["headers"]["Cache-Control"]["schema"]
            if again.status_code != 304 or again.headers["Cache-Control"] != expected["const"]:
                mismatches.append((_name(method, path), again.status_code, expected["const"]))

    assert mismatches == []
    assert read >= 40
