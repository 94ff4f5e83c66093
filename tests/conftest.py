"""Fixtures: one app per test session on SQLite (or TEST_DATABASE_URL), a clean
database for every test, and signed-in actors of two academies."""

import json
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass

import jsonschema_rs
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_migrate import upgrade
from marshmallow import fields

from academy import create_app
from academy.auth.models import Academy, User
from academy.auth.passwords import hash_password
from academy.auth.service import _issue
from academy.clients.models import Client
from academy.config import TestConfig
from academy.extensions import db

PASSWORD = "correct horse battery"


def test_database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "academy-test.db")


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    app = create_app(
        type(
            "SuiteConfig",
            (TestConfig,),
            {
                "SQLALCHEMY_DATABASE_URI": test_database_url(tmp_path_factory),
                "FILE_STORAGE_PATH": str(tmp_path_factory.mktemp("files")),
            },
        )
    )
    with app.app_context():
        # The schema comes from the migrations, as in production.
        db.drop_all()
        db.session.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        upgrade()
    return app


@pytest.fixture(autouse=True)
def _clean_database(app):
    with app.app_context():
        yield
        db.session.rollback()
        db.session.remove()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()


class DocumentedClient(FlaskClient):
    """Flask's test client, checking every answer against the API document: an answer
    of an operation the document describes must have a documented status, content type
    and headers (each required one present: ``Cache-Control`` on every answer, ``ETag``
    and ``Location`` where promised), and a body of the documented types, all the way
    down."""

    document: dict = {}

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        check_against_document(self.document, response)
        return response


def _operation_of(document: dict, method: str, path: str) -> dict | None:
    for template, operations in document["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            return operations.get(method.lower())
    return None


def _validator(document: dict, schema: dict):
    return jsonschema_rs.validator_for(
        {**schema, "components": document["components"]}, validate_formats=True
    )


def check_against_document(document: dict, response) -> None:
    request = response.request
    operation = _operation_of(document, request.method, request.path)
    if operation is None or response.status_code in (405, 500):
        return  # not an API operation; a 500 fails its own test
    where = f"{request.method} {request.path} answered {response.status_code}"
    responses = operation["responses"]
    documented = responses.get(str(response.status_code)) or responses.get("default")
    assert documented is not None, f"{where}, which the document does not list"
    if "$ref" in documented:
        documented = document["components"]["responses"][documented["$ref"].rsplit("/", 1)[1]]
    content = documented.get("content")
    if not content:
        assert not response.data, f"{where} with a body the document does not describe"
        return
    assert response.mimetype in content, f"{where} as {response.mimetype}, not {list(content)}"
    schema = content[response.mimetype].get("schema")
    if schema is not None:
        errors = [
            f"{'/'.join(map(str, e.instance_path)) or 'body'}: {e.message}"
            for e in _validator(document, schema).iter_errors(response.get_json())
        ]
        assert not errors, f"{where} with a body unlike the document's: {errors[:5]}"
    for name, header in documented.get("headers", {}).items():
        if "$ref" in header:
            header = document["components"]["headers"][header["$ref"].rsplit("/", 1)[1]]
        value = response.headers.get(name)
        assert value is not None or not header.get("required"), f"{where} without {name}"
        if value is not None and "schema" in header:
            assert _validator(document, header["schema"]).is_valid(value), f"{where}: {name}"
            described = header["schema"].get("contentSchema")
            if described is not None:
                assert _validator(document, described).is_valid(json.loads(value)), name


@pytest.fixture(scope="session")
def documented_client(app):
    DocumentedClient.document = app.test_client().get("/openapi.json").get_json()
    return DocumentedClient


@pytest.fixture
def http(app, documented_client):
    app.test_client_class = documented_client
    try:
        yield app.test_client()
    finally:
        app.test_client_class = None


@dataclass
class Actor:
    user: User
    token: str
    refresh_token: str

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def academy_id(self) -> int:
        return self.user.academy_id

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_academy(name: str = "Northside Runners") -> Academy:
    academy = Academy(name=name)
    db.session.add(academy)
    db.session.flush()
    return academy


def make_user(academy: Academy, role: str, name: str, email: str, **fields) -> User:
    user = User(
        academy_id=academy.id,
        role=role,
        name=name,
        email=email,
        password_hash=hash_password(PASSWORD),
        status="active",
        **fields,
    )
    db.session.add(user)
    db.session.flush()
    if role == "client":
        db.session.add(Client(id=user.id, academy_id=academy.id, status="active"))
        db.session.flush()
    return user


def sign_in(user: User) -> Actor:
    issued = _issue(user)
    db.session.commit()
    return Actor(user, issued.access_token, issued.refresh_token)


@pytest.fixture
def academy(app):
    return make_academy()


@pytest.fixture
def owner(academy):
    return sign_in(make_user(academy, "owner", "Olive Owner", "olive@north.test"))


@pytest.fixture
def coach(academy, owner):
    return sign_in(make_user(academy, "coach", "Cora Coach", "cora@north.test"))


@pytest.fixture
def client_user(academy):
    return sign_in(
        make_user(academy, "client", "Cliff Client", "cliff@north.test", timezone="Europe/London")
    )


@pytest.fixture
def other_client_user(academy):
    return sign_in(make_user(academy, "client", "Dana Client", "dana@north.test"))


@pytest.fixture
def other_academy():
    return make_academy("Southside Striders")


@pytest.fixture
def other_academy_coach(other_academy):
    return sign_in(make_user(other_academy, "owner", "Sven South", "sven@south.test"))


@pytest.fixture
def other_academy_client(other_academy):
    return sign_in(make_user(other_academy, "client", "Sia South", "sia@south.test"))


@contextmanager
def count_statements(engine=None):
    """Count the SQL statements run inside the block (on the app's engine)."""
    engine = engine or db.engine
    statements: list[str] = []

    def before_execute(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", before_execute)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", before_execute)


def measured(request, *args, **kwargs) -> tuple:
    """``request(*args, **kwargs)``'s response and the SQL statements it took, with
    nothing cached in the session beforehand."""
    db.session.expire_all()
    with count_statements() as statements:
        response = request(*args, **kwargs)
    return response, len(statements)


def problem_of(response, status: int) -> dict:
    """Assert a problem+json answer with ``status`` and return its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    assert {"type", "title", "detail"} <= body.keys()
    return body


def count_rows(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def assert_shape(body, schema, path: str = "body") -> None:
    """``body`` has exactly the keys ``schema`` declares, all the way down.

    Lists of nested objects must not be empty, so that every level is checked.
    """
    declared = {
        field.data_key or name: field
        for name, field in schema.fields.items()
        if not field.load_only
    }
    assert set(body) == set(declared), path
    for key, field in declared.items():
        value, where = body[key], f"{path}.{key}"
        if isinstance(field, fields.List) and isinstance(field.inner, fields.Nested):
            assert value, f"{where} is empty, so its shape goes unchecked"
            for index, element in enumerate(value):
                assert_shape(element, field.inner.schema, f"{where}[{index}]")
        elif isinstance(field, fields.Nested):
            if value is None and field.allow_none:
                continue  # a nullable object left out (an exercise item's run)
            assert isinstance(value, dict), where
            assert_shape(value, field.schema, where)
