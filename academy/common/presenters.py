"""Answers shaped by their schemas: one path for every body the API sends.

``presenter(schema)`` turns a declared marshmallow schema into a function that shapes
what a view returned (ORM objects, rows, namespaces or dicts) into the answer, exactly as
``schema.dump`` would, and ``encode`` writes it as JSON. ``Blueprint.response`` runs
both for every operation, so that the schema an operation documents is the one that
shapes its body, and a view can never hand-build one (``Blueprint.response`` refuses a
JSON body a view built itself).

A presenter is Python code generated once per schema from its fields: for the types
the schemas use (text, numbers, booleans, dates, times in UTC, nested schemas, lists,
plain mappings) it reads and converts each value inline; a field of any other kind, one
with a default for dumping, or a schema with dump hooks is handed to marshmallow. The
heaviest answers (a 12-week program, an export) are thousands of values: shaped inline
they cost about what a hand-written dict costs, where ``schema.dump`` cost several times
more. ``tests/common/test_presenters.py`` holds every schema's presenter to
``schema.dump`` over generated objects.
"""

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import orjson
from marshmallow import Schema, fields, missing

from academy.common.schemas import UTCDateTime
from academy.common.time import iso_z

Presenter = Callable[[Any], Any]

_PRESENTERS: dict[int, tuple[Schema, Presenter]] = {}


def presenter(schema: Schema) -> Presenter:
    """What shapes an answer of ``schema`` (a list of them when it has ``many``)."""
    known = _PRESENTERS.get(id(schema))
    if known is not None and known[0] is schema:
        return known[1]
    one = _compile(schema)
    present: Presenter = (lambda objs: [one(obj) for obj in objs]) if schema.many else one
    _PRESENTERS[id(schema)] = (schema, present)
    return present


# A part of an answer that its schema's presenter already shaped (a program's items,
# built straight from the rows): the presenter of the answer around it passes it as it
# is. One dict type per shape (schema and fields), so a part shaped for one schema is
# never taken for another's.
_SHAPED: dict[tuple, type[dict]] = {}


def _shape_of(schema: Schema) -> type[dict]:
    key = (type(schema), tuple(schema.dump_fields))
    if key not in _SHAPED:
        _SHAPED[key] = type(f"Shaped{type(schema).__name__}", (dict,), {})
    return _SHAPED[key]


def row_presenter(schema: Schema, keys: tuple[str, ...]) -> Callable[[Any], dict]:
    """A presenter of ``schema`` for rows whose values come in the order of ``keys``
    (the fields' names): what builds the many parts of an answer straight from the
    database's rows, as a program's items are. What it answers counts as shaped: the
    presenter of the answer around it does not shape it again. A field that no key
    names is left for the caller to set, already shaped.

    A row's values come from typed columns, so text, numbers, booleans and their lists
    are already what the schema writes (the test holds the two to the same answer):
    they are taken as they are, and only dates, times and nested schemas are shaped."""
    source = _Source()
    parts = []
    for name, field in schema.dump_fields.items():
        if name not in keys:
            continue
        value = _value_code(source, field)
        if value is None:
            raise TypeError(f"{type(schema).__name__}.{name} is not shaped from a row")
        read = f"r[{keys.index(name)}]"
        if _as_stored(field):
            value = "v"
        shaped = read if value == "v" else f"(None if (v := {read}) is None else {value})"
        parts.append(f"{(field.data_key or name)!r}: {shaped},")
    code = (
        "def present_row(r):\n    return SHAPED({\n" + _indent("\n".join(parts), 8) + "\n    })\n"
    )
    namespace = {**source.names, "SHAPED": _shape_of(schema)}
    exec(compile(code, f"<row presenter {type(schema).__name__}>", "exec"), namespace)
    return namespace["present_row"]


# What a typed column hands back as the schema writes it.
_STORED_KINDS = frozenset({"str", "int", "float", "bool", "raw"})


def _as_stored(field: fields.Field) -> bool:
    """Whether a column's value is already ``field``'s answer: text, numbers, booleans
    and plain mappings, and lists of them."""
    if isinstance(field, fields.List) and _inlined(field, fields.List):
        return _kind(field.inner) in _STORED_KINDS
    return _kind(field) in _STORED_KINDS


def _default(value: Any) -> Any:
    """What orjson does not write itself: numbers from a NUMERIC column, other dates."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def encode(body: Any) -> bytes:
    """An answer as JSON text (UTF-8), as every operation writes it. A mapping keyed by
    numbers or dates has its keys written as text: orjson is asked for that only when
    the answer holds one, as it writes every other answer at about half the cost then."""
    try:
        return orjson.dumps(body, default=_default)
    except orjson.JSONEncodeError:
        return orjson.dumps(body, default=_default, option=orjson.OPT_NON_STR_KEYS)


# --- generated from the fields ------------------------------------------------------------

# How a value (``{0}``, neither missing nor None) of a field type is converted, inline.
_INLINE = {
    "str": "{0} if {0}.__class__ is str else str({0})",
    "int": "{0} if {0}.__class__ is int else int({0})",
    "float": "{0} if {0}.__class__ is float else float({0})",
    "bool": "{0} if {0}.__class__ is bool else bool({0})",
    "date": "{0} if {0}.__class__ is str else {0}.isoformat()",
    "utc": "{0} if {0}.__class__ is str else iso_z({0})",
    "raw": "{0}",
}


def _own(field: fields.Field, base: type) -> bool:
    """Whether ``field`` serializes as ``base`` does (a subclass may only validate)."""
    return type(field)._serialize is base._serialize  # type: ignore[attr-defined]


def _kind(field: fields.Field) -> str | None:
    """The inline conversion of ``field``, or None when marshmallow must serialize it."""
    if field.dump_default is not missing:
        return None
    if isinstance(field, fields.String) and _own(field, fields.String):
        return "str"
    if isinstance(field, fields.Integer | fields.Float) and _own(field, fields.Number):
        if field.as_string:
            return None
        return "int" if isinstance(field, fields.Integer) else "float"
    if isinstance(field, fields.Boolean) and _own(field, fields.Boolean):
        return "bool"
    if isinstance(field, fields.Date) and _own(field, fields.Date):
        return "date" if field.format in (None, "iso", "iso8601") else None
    if isinstance(field, UTCDateTime) and _own(field, UTCDateTime):
        return "utc"
    if isinstance(field, fields.Dict) and field.key_field is None and field.value_field is None:
        return "raw"
    if type(field) is fields.Raw:
        return "raw"
    return None


class _Source:
    """The generated code of one schema's presenter, and the objects it refers to."""

    def __init__(self) -> None:
        self.names: dict[str, Any] = {"M": missing, "iso_z": iso_z, "Mapping": Mapping}
        self.count = 0

    def name(self, value: Any, prefix: str) -> str:
        self.count += 1
        name = f"{prefix}{self.count}"
        self.names[name] = value
        return name


def _compile(schema: Schema) -> Presenter:
    if any(schema._hooks.get(hook) for hook in ("pre_dump", "post_dump")):
        dump = schema.dump
        return dump if not schema.many else (lambda obj: dump(obj, many=False))
    source = _Source()
    careful: list[str] = []
    fast: list[str] | None = []
    for name, field in schema.dump_fields.items():
        key = field.data_key or name
        attribute = field.attribute or name
        value = _value_code(source, field) if "." not in attribute else None
        if value is None:
            careful.append(_marshmallow_code(source, schema, name, key, field))
            fast = None
            continue
        careful.append(
            f"v = READ({attribute!r}, M)\n"
            f"if v is not M:\n    out[{key!r}] = None if v is None else {value}"
        )
        if fast is not None:
            read = f"o[{attribute!r}]"
            shaped = read if value == "v" else f"(None if (v := {read}) is None else {value})"
            fast.append(f"{key!r}: {shaped},")
    body = "\n".join(careful)
    # A dict holding every field (what the services build) is answered in one display;
    # anything else is read field by field: a mapping by key, an object or a row by
    # attribute, a missing one left out.
    shortcut = ""
    if fast:
        shortcut = (
            "    if o.__class__ is dict:\n"
            "        try:\n"
            "            return {\n"
            f"{_indent(chr(10).join(fast), 16)}\n"
            "            }\n"
            "        except KeyError:\n"
            "            pass\n"
        )
    code = (
        "def present(o):\n"
        "    if o.__class__ is SHAPED:\n"
        "        return o\n"
        f"{shortcut}"
        "    out = {}\n"
        "    if isinstance(o, Mapping):\n"
        "        get = o.get\n"
        f"{_indent(body.replace('READ(', 'get('), 8)}\n"
        "    else:\n"
        f"{_indent(body.replace('READ(', 'getattr(o, '), 8)}\n"
        "    return out\n"
    )
    namespace = {**source.names, "SHAPED": _shape_of(schema)}
    exec(compile(code, f"<presenter {type(schema).__name__}>", "exec"), namespace)
    return namespace["present"]


def _indent(text: str, spaces: int) -> str:
    return "\n".join(" " * spaces + line for line in text.splitlines())


def _value_code(source: _Source, field: fields.Field) -> str | None:
    """An expression of ``v`` (neither missing nor None) that shapes ``field``'s value
    inline, or None when marshmallow must serialize the field."""
    kind = _kind(field)
    if kind is not None:
        return _INLINE[kind].format("v")
    if isinstance(field, fields.Nested) and _inlined(field, fields.Nested):
        nested = source.name(_nested(field), "nested")
        return f"[{nested}(x) for x in v]" if field.many else f"{nested}(v)"
    if isinstance(field, fields.List) and _inlined(field, fields.List):
        inner = field.inner
        if isinstance(inner, fields.Nested) and _inlined(inner, fields.Nested):
            nested = source.name(_nested(inner), "nested")
            return f"[None if x is None else {nested}(x) for x in v]"
        if (inner_kind := _kind(inner)) is not None:
            convert = _INLINE[inner_kind].format("x")
            return f"[None if x is None else {convert} for x in v]"
    return None


def _inlined(field: fields.Field, base: type) -> bool:
    """Whether ``field`` is a ``base`` that serializes as ``base`` does, with no default."""
    return isinstance(field, base) and _own(field, base) and field.dump_default is missing


def _nested(field: fields.Nested) -> Presenter:
    """The presenter of one element of a nested schema (its ``only`` and ``exclude``
    applied, as ``field.schema`` has them)."""
    inner = field.schema
    if not inner.many:
        return presenter(inner)
    only = set(inner.only) if inner.only is not None else None
    single = type(inner)(only=only, exclude=inner.exclude, load_only=inner.load_only)
    return presenter(single)


def _marshmallow_code(
    source: _Source, schema: Schema, name: str, key: str, field: fields.Field
) -> str:
    """A field marshmallow serializes, as ``schema.dump`` would."""
    serialize = source.name(field.serialize, "field")
    accessor = source.name(schema.get_attribute, "accessor")
    return (
        f"v = {serialize}({name!r}, o, accessor={accessor})\nif v is not M:\n    out[{key!r}] = v"
    )
