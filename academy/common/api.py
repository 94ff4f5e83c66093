"""The Api every app uses: flask-smorest's, with a document that says what the wire does.

Errors are problem+json (RFC 9457), so every error response flask-smorest documents on
its own (the arguments' 422, the default error) names that content type and the
problem schema. ``X-Pagination`` is a header, so its value is a string: the JSON text
of the pagination metadata, described as such.

apispec lists a property as required only when a request must send it, so every
field of every answer would read as optional and a generated client would make each
one maybe-missing (``sessions?:`` in TypeScript, ``| Unset`` in Python). Academy's
answers carry every field their schema declares (``None`` where a field is nullable),
so a schema that only ever answers lists all its properties as required. A schema
that requests also use keeps what loading requires, and one open to properties it
does not declare (the export) promises none of them.
"""

import http
from typing import Any

from apispec import APISpec, BasePlugin
from flask_smorest import Api as SmorestApi
from flask_smorest.utils import prepare_response
from werkzeug.routing import IntegerConverter

from academy.common.blueprint import cache_control_header
from academy.common.etag import NO_STORE
from academy.common.schemas import (
    MAX_ID,
    PROBLEM,
    STORABLE,
    TIMEZONE_SCHEMA,
    PaginationMetadataSchema,
    ProblemSchema,
)
from academy.vocabularies import TIMEZONES

SCHEMA_REF = "#/components/schemas/"


class SchemaRules(BasePlugin):
    """Rules a schema states as a whole (``OPENAPI`` on the schema class), such as "at
    least one field", joined to its generated JSON Schema."""

    def schema_helper(self, name, definition, **kwargs):
        schema = kwargs.get("schema")
        schema = schema if isinstance(schema, type) or schema is None else type(schema)
        return dict(getattr(schema, "OPENAPI", {}))


class IdConverter(IntegerConverter):
    """``<int:...>`` in a path: an id from 1 to 2,147,483,647. Anything else names no
    object, so the route does not match and the answer is 404."""

    def __init__(self, map, min=1, max=MAX_ID, **kwargs):
        super().__init__(map, min=min, max=max, **kwargs)


def storable_text(self, field, ret, **kwargs) -> dict:
    """An attribute function of the marshmallow converter: free text a request sends
    is documented as holding no NUL, which the API refuses (422) in every string.
    Strings with a format, a vocabulary or a pattern of their own say so already."""
    kinds = ret.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "string" not in kinds or field.dump_only:
        return {}
    if ret.keys() & {"format", "enum", "const", "pattern", "allOf"}:
        return {}
    return {"pattern": STORABLE}


def timezone_pattern() -> str:
    """Every time zone name the API takes, as one pattern. A pattern, not an enum: a
    generated client would turn an enum into some 600 constants, and names such as
    ``Etc/GMT+5`` and ``Etc/GMT-5`` would become the same constant (openapi-python-client
    refuses such a document). Only ``+`` needs escaping in these names, and escaping
    nothing else keeps the pattern valid for ECMA-262's ``u`` flag."""
    return "^(?:" + "|".join(name.replace("+", "\\+") for name in TIMEZONES) + ")$"


class Api(SmorestApi):
    ERROR_SCHEMA = ProblemSchema

    def init_app(self, app, *, spec_kwargs=None):
        app.url_map.converters["int"] = IdConverter
        spec_kwargs = {**(spec_kwargs or {}), "extra_plugins": [SchemaRules()]}
        super().init_app(app, spec_kwargs=spec_kwargs)
        self.ma_plugin.converter.add_attribute_function(storable_text)
        self.spec.components.schema(
            TIMEZONE_SCHEMA,
            {
                "type": "string",
                "pattern": timezone_pattern(),
                "description": "An IANA time zone name: the pattern names each one.",
            },
        )

    def _register_responses(self):
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "An error", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)

    def _register_pagination_header(self):
        self.spec.components.schema("PaginationMetadata", schema=PaginationMetadataSchema)
        self.spec.components.header(
            "PAGINATION",
            {
                "description": "The pages of the list, as JSON text: `total`, "
                "`total_pages`, `page`, `page_size`, `first_page`, `last_page`, and "
                "`previous_page` / `next_page` where there is one.",
                "schema": {
                    "type": "string",
                    "contentMediaType": "application/json",
                    "contentSchema": {"$ref": "#/components/schemas/PaginationMetadata"},
                },
            },
            lazy=True,
        )


def document_cache_control(spec: APISpec) -> None:
    """Every answer of every operation says what a cache may do with it: the answers
    that say nothing of their own (``conditional`` reads and the calendar feed do) are
    ``no-store``, as ``academy.operations.requests`` sends them, errors included."""
    no_store = cache_control_header(NO_STORE)
    for path in spec.to_dict()["paths"].values():
        for operation in path.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for response in operation["responses"].values():
                if "$ref" not in response:  # a shared error answer: documented below
                    response.setdefault("headers", {}).setdefault("Cache-Control", no_store)
    for response in spec.components.responses.values():
        response.setdefault("headers", {}).setdefault("Cache-Control", no_store)


def require_answer_fields(spec: APISpec) -> None:
    """Mark every property of the answer-only component schemas as required."""
    schemas = spec.components.schemas
    answers, requests = set(), set()
    for path in spec.to_dict()["paths"].values():
        for operation in path.values():
            if not isinstance(operation, dict):  # the path's parameters
                requests |= _refs(operation)
                continue
            rest = {key: value for key, value in operation.items() if key != "responses"}
            requests |= _refs(rest)
            for status, response in operation.get("responses", {}).items():
                if status.startswith("2"):
                    answers |= _refs(response.get("content"))
    for name in _reachable(answers, schemas) - _reachable(requests, schemas):
        schema = schemas[name]
        if schema.get("additionalProperties", False) is not False:
            continue
        properties = [
            key for key, value in schema.get("properties", {}).items() if not value.get("writeOnly")
        ]
        if properties:
            schema["required"] = properties


def _refs(node) -> set[str]:
    """The component schemas that ``node`` refers to directly."""
    found = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(SCHEMA_REF):
            found.add(ref.removeprefix(SCHEMA_REF))
        for value in node.values():
            found |= _refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= _refs(value)
    return found


def _reachable(names: set[str], schemas: dict) -> set[str]:
    seen: set[str] = set()
    pending = list(names)
    while pending:
        name = pending.pop()
        if name not in seen and name in schemas:
            seen.add(name)
            pending.extend(_refs(schemas[name]))
    return seen
