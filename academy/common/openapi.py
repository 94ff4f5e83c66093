"""What the OpenAPI document promises about the fields of an answer.

apispec lists a property as required only when a request must send it, so every
field of every answer would read as optional and a generated client would make each
one maybe-missing (``sessions?:`` in TypeScript, ``| Unset`` in Python). Academy's
answers carry every field their schema declares (``None`` where a field is nullable),
so a schema that only ever answers lists all its properties as required. A schema
that requests also use keeps what loading requires, and one open to properties it
does not declare (the export) promises none of them.
"""

from apispec import APISpec

SCHEMA_REF = "#/components/schemas/"


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
