"""One answer path: every JSON body comes from the schema its operation declares.

- Every operation that answers JSON declares the schema of its answer, and no route
  module builds a body itself (no ``jsonify``, ``json.dumps`` or ``Response`` of JSON).
- A view that returns a JSON ``Response`` it built is refused (``refuse_hand_built``)
  the first time it answers; the whole suite calls every operation, so none does.
- Each declared schema's presenter answers what ``schema.dump`` answers, for objects
  and mappings generated from the schema's own fields, missing values, ``None`` and
  nesting included.
"""

import ast
from datetime import UTC
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask, jsonify
from flask.views import MethodView
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import Schema, fields

from academy import create_app
from academy.common.blueprint import Blueprint
from academy.common.presenters import encode, presenter, row_presenter
from academy.common.schemas import BaseSchema, UTCDateTime
from academy.config import TestConfig

ACADEMY = Path(__file__).resolve().parents[2] / "academy"
# The operations that answer a success without a body besides the 204s.
BODILESS = {"POST /api/v1/auth/password-reset 202"}


def _operations(app: Flask):
    """(method, rule, function) of every operation the app serves."""
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        view_class = getattr(view, "view_class", None)
        if view_class is None:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            func = getattr(view_class, method.lower(), None)
            if func is not None:
                yield method, rule.rule, func


def _answers(func) -> list[tuple[int, dict]]:
    responses = getattr(func, "_apidoc", {}).get("response", {}).get("responses", {})
    return [(int(status), doc) for status, docs in responses.items() for doc in docs]


def _declared_schemas(app: Flask) -> dict[str, Schema]:
    """Every schema an operation answers with, by name (one instance each)."""
    found: dict[str, Schema] = {}
    for _, _, func in _operations(app):
        for status, doc in _answers(func):
            schema = doc.get("schema")
            if 200 <= status < 300 and isinstance(schema, Schema):
                found.setdefault(_name(schema), schema)
    return found


def _name(schema: Schema) -> str:
    only = sorted(schema.only) if schema.only else ()
    return f"{type(schema).__name__}{'[]' if schema.many else ''}{only or ''}"


class TestEveryOperationAnswersThroughItsSchema:
    def test_every_answer_with_a_body_declares_its_schema(self, app):
        undeclared = []
        for method, rule, func in _operations(app):
            for status, doc in _answers(func):
                if 200 <= status < 300 and not isinstance(doc.get("schema"), Schema):
                    undeclared.append(f"{method} {rule} {status}")
        # 204s, and the 202 of a reset asked for, answer no body.
        bodiless = {u for u in undeclared if u.endswith(" 204")} | BODILESS
        assert set(undeclared) == bodiless, f"answers without a declared schema: {undeclared}"

    def test_an_answer_without_a_schema_has_no_body(self, app):
        blp = Blueprint("bodiless", __name__)

        class Notes(MethodView):
            @blp.response(202)
            def post(self):
                return {"text": "a body nobody declared"}

        blp.route("/bodiless")(Notes)
        with (
            app.test_request_context("/bodiless", method="POST"),
            pytest.raises(TypeError, match="declares no schema"),
        ):
            Notes().post()

    def test_no_route_module_builds_a_body_itself(self):
        builders = {"jsonify", "json_response", "make_response", "dumps"}
        found = []
        for path in sorted(ACADEMY.glob("*/routes.py")):
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                name = None
                if isinstance(node, ast.Name):
                    name = node.id
                elif isinstance(node, ast.Attribute):
                    name = node.attr
                if name in builders:
                    found.append(f"{path.relative_to(ACADEMY)}:{node.lineno} {name}")
        assert not found, f"bodies built by hand: {found}"

    def test_a_view_that_builds_its_json_is_refused(self, app):
        blp = Blueprint("hand_built", __name__)

        class NoteSchema(BaseSchema):
            text = fields.String()

        class Notes(MethodView):
            @blp.response(200, NoteSchema)
            def get(self):
                return jsonify({"text": "built by hand"})

        blp.route("/hand-built")(Notes)
        with (
            app.test_request_context("/hand-built"),
            pytest.raises(TypeError, match="built its JSON answer itself"),
        ):
            Notes().get()

    def test_the_answer_is_what_the_schema_makes_of_the_data(self, app):
        blp = Blueprint("shaped", __name__)

        class NoteSchema(BaseSchema):
            text = fields.String()
            at = UTCDateTime()

        class Notes(MethodView):
            @blp.response(201, NoteSchema)
            def post(self):
                from datetime import datetime

                note = SimpleNamespace(text="kept", at=datetime(2026, 5, 1, 7, 30), secret="x")
                return note, None, {"X-Note": "1"}

        blp.route("/shaped")(Notes)
        with app.test_request_context("/shaped", method="POST"):
            answer = Notes().post()
        assert answer.status_code == 201
        assert answer.mimetype == "application/json"
        assert answer.headers["X-Note"] == "1"
        assert answer.get_json() == {"text": "kept", "at": "2026-05-01T07:30:00Z"}


# --- presenters against marshmallow --------------------------------------------------------


def _value(field: fields.Field, depth: int) -> st.SearchStrategy:
    """Values a field of this kind may be handed (None where it allows it)."""
    if isinstance(field, fields.Nested):
        inner = _mapping(field.schema, depth + 1)
        value = st.lists(inner, max_size=2) if field.many else inner
    elif isinstance(field, fields.List):
        value = st.lists(_value(field.inner, depth + 1), max_size=3)
    elif isinstance(field, fields.Boolean):
        value = st.booleans()
    elif isinstance(field, fields.Integer):
        value = st.integers(min_value=-(2**31), max_value=2**31 - 1)
    elif isinstance(field, fields.Float):
        value = st.floats(allow_nan=False, allow_infinity=False) | st.integers(-100, 100)
    elif isinstance(field, fields.Date):
        value = st.dates()
    elif isinstance(field, fields.DateTime):
        value = st.datetimes() | st.datetimes(timezones=st.just(UTC))
    elif isinstance(field, fields.String):
        value = st.text(max_size=8)
    elif isinstance(field, fields.Dict | fields.Raw):
        value = st.dictionaries(
            st.text(max_size=4), st.integers(-(2**63), 2**63 - 1) | st.text(max_size=4), max_size=2
        )
    else:
        value = st.nothing()
    return st.none() | value if depth < 3 else st.none()


def _mapping(schema: Schema, depth: int = 0) -> st.SearchStrategy:
    """A mapping (or an object, which the presenters read by attribute) for ``schema``,
    any of its fields missing."""
    optional = {}
    for name, field in schema.dump_fields.items():
        strategy = _value(field, depth)
        if not strategy.is_empty:
            optional[field.attribute or name] = strategy
    mappings = st.fixed_dictionaries({}, optional=optional)
    return mappings | mappings.map(lambda values: SimpleNamespace(**values))


def _single(schema: Schema) -> Schema:
    if not schema.many:
        return schema
    return type(schema)(only=schema.only, exclude=schema.exclude)


def _outcome(make):
    try:
        return "answered", make()
    except Exception as error:  # marshmallow and the presenter fail alike, or not at all
        return "failed", type(error).__name__


# Read from an app made for collecting them: the suite's app is made once tests run.
DECLARED = _declared_schemas(create_app(TestConfig))


def test_the_document_answers_with_many_schemas():
    assert len(DECLARED) > 40


@pytest.mark.parametrize("name", sorted(DECLARED))
def test_a_presenter_answers_what_marshmallow_dumps(app, name):
    schema = _single(DECLARED[name])
    present = presenter(schema)

    @settings(
        max_examples=15,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(_mapping(schema))
    def check(obj):
        with app.test_request_context():
            expected = _outcome(lambda: schema.dump(obj))
            answered = _outcome(lambda: present(obj))
        # Where marshmallow fails (a mapping without ``items`` hands it the dict's
        # method of that name, say) the presenter may answer; where it answers, the
        # presenter answers the same, as JSON.
        if expected[0] == "answered":
            assert answered == expected
            encode(answered[1])

    check()


# --- a program's items, shaped straight from their rows -------------------------------------


def _column_value(schema_field: fields.Field) -> st.SearchStrategy:
    """What a typed column hands back for a field of this kind."""
    if isinstance(schema_field, fields.Nested):
        return st.none() | st.fixed_dictionaries({}, optional={"type": st.text(max_size=6)})
    if isinstance(schema_field, fields.List):
        return st.none() | st.lists(st.text(max_size=6), max_size=3)
    if isinstance(schema_field, fields.Integer):
        return st.none() | st.integers(-(2**31), 2**31 - 1)
    return st.none() | st.text(max_size=8)


@pytest.mark.parametrize("item_schema", ["ItemSchema", "ClientItemSchema"])
def test_an_item_shaped_from_its_row_is_what_its_presenter_makes_of_it(app, item_schema):
    from academy.programs import documents, schemas

    schema = getattr(schemas, item_schema)()
    keys = documents._stored(type(schema))
    present_row = row_presenter(schema, keys)
    present = presenter(schema)
    # Values after the keys' (what the safety rules read beside an item) are left out.
    rows = st.tuples(
        *(_column_value(schema.dump_fields[key]) for key in keys), st.text(), st.integers()
    )

    @settings(max_examples=100, deadline=None)
    @given(rows)
    def check(row):
        shaped = present_row(row)
        expected = present(dict(zip(keys, row[: len(keys)], strict=True)))
        assert shaped == expected
        assert list(shaped) == list(expected)  # and in the schema's order
        # Shaped once: the presenter of the answer around it passes it as it is.
        assert present(shaped) is shaped

    check()


def test_a_mapping_keyed_by_numbers_or_dates_is_written_with_text_keys():
    from datetime import date

    assert encode({"by_week": {1: 2.5, 2: None}}) == b'{"by_week":{"1":2.5,"2":null}}'
    assert encode({date(2026, 3, 9): [date(2026, 3, 10)]}) == b'{"2026-03-09":["2026-03-10"]}'
    assert encode({"plain": [1, "a", True]}) == b'{"plain":[1,"a",true]}'
