"""The base schemas, shared fields and the problem schema used in the docs.

Fields take JSON as JSON Schema reads it, so that the document and the wire agree: an
integer is a number without a fraction (never ``true`` or ``"5"``), a boolean is
``true`` or ``false``. Query parameters arrive as text, so in a ``QuerySchema`` the
same fields also read their text forms.
"""

import re
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from werkzeug.datastructures import FileStorage

from academy.common.time import iso_z
from academy.vocabularies import TIMEZONES

# Text no database column can hold: NUL, and UTF-16 surrogates that pair with nothing.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_MESSAGE = "Must not contain NUL characters or unpaired surrogates."
# The same rule in the document, on every free text: no NUL. (Unpaired surrogates are
# not Unicode text at all, so no pattern can name them portably: regular-expression
# engines such as Rust's refuse the escapes. The API's description says that text is
# I-JSON, RFC 7493, which excludes them.)
STORABLE = r"^[^\u0000]*$"


def _unstorable(value, path: str, found: dict[str, list[str]]) -> None:
    if isinstance(value, str):
        if _UNSTORABLE.search(value):
            found[path or "_body"] = [UNSTORABLE_MESSAGE]
    elif isinstance(value, Mapping):
        for key in value:
            if isinstance(key, str) and _UNSTORABLE.search(key):
                found[path or "_body"] = [UNSTORABLE_MESSAGE]
            else:
                _unstorable(value[key], f"{path}.{key}" if path else str(key), found)
    elif isinstance(value, list | tuple):
        for index, element in enumerate(value):
            _unstorable(element, f"{path}[{index}]", found)


# Set while a schema loads: the schemas nested in it read parts of what it has already
# scanned for unstorable text.
_SCANNED = ContextVar("academy_scanned", default=False)


class BaseSchema(Schema):
    """Rejects unknown fields, so ids, owners, roles and timestamps never slip in, and
    text that no column can store (each such field is named)."""

    class Meta:
        unknown = "raise"
        ordered = True

    # Rules the schema states as a whole (JSON Schema keywords, such as "at least one
    # field"), joined to the schema the document generates for it (common/api.py).
    OPENAPI: ClassVar[dict[str, Any]] = {}

    def load(self, data, **kwargs):
        if _SCANNED.get():
            return super().load(data, **kwargs)
        found: dict[str, list[str]] = {}
        _unstorable(data, "", found)
        if found:
            raise ValidationError(found)
        scanned = _SCANNED.set(True)
        try:
            return super().load(data, **kwargs)
        finally:
            _SCANNED.reset(scanned)


class QuerySchema(BaseSchema):
    """Query parameters: numbers and booleans come as text."""


class UpdateSchema(BaseSchema):
    """A partial update: at least one field (an empty body changes nothing, and is
    refused rather than answered as if it did)."""

    OPENAPI = {"minProperties": 1}

    @validates_schema(pass_original=True)
    def _something_to_change(self, data, original, **kwargs):
        if isinstance(original, Mapping) and not original:
            raise ValidationError("Send at least one field to change.", "_body")


def _as_text(field: fields.Field) -> bool:
    return isinstance(field.root, QuerySchema)


class Integer(fields.Integer):
    """A JSON integer: not a boolean, not text, no fraction (``2.0`` is 2)."""

    def __init__(self, **kwargs):
        super().__init__(strict=False, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or (isinstance(value, str) and not _as_text(self)):
            raise self.make_error("invalid")
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class Float(fields.Float):
    """A JSON number: not a boolean, not text."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or (isinstance(value, str) and not _as_text(self)):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class Boolean(fields.Boolean):
    """``true`` or ``false``; in a query also their text forms."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool) and not (isinstance(value, str) and _as_text(self)):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


# Ids are 32-bit integers in every table; a larger one names nothing.
MAX_ID = 2**31 - 1


def Id(**kwargs):
    """The id of an object: 1 to 2,147,483,647."""
    return Integer(validate=validate.Range(min=1, max=MAX_ID), **kwargs)


FIRST_DATE, LAST_DATE = date(1900, 1, 1), date(2100, 12, 31)
# The same range as a pattern, so that the document carries it too.
_DATE_PATTERN = r"^(19\d\d|20\d\d|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"


class Date(fields.Date):
    """A calendar date, ``YYYY-MM-DD``, from 1900-01-01 to 2100-12-31: dates outside
    that range are mistakes, and the schedule's arithmetic must never leave it."""

    def __init__(self, **kwargs):
        metadata = {"pattern": _DATE_PATTERN, **kwargs.pop("metadata", {})}
        validators = kwargs.pop("validate", None)
        validators = [validators] if callable(validators) else list(validators or [])
        bounds = validate.Range(
            min=FIRST_DATE, max=LAST_DATE, error="Must be between 1900-01-01 and 2100-12-31."
        )
        super().__init__(validate=[bounds, *validators], metadata=metadata, **kwargs)


class UTCDateTime(fields.DateTime):
    """ISO 8601 in UTC with a ``Z``, whatever the database hands back."""

    def _serialize(self, value, attr, obj, **kwargs):
        return iso_z(value)

    def _deserialize(self, value, attr, data, **kwargs):
        parsed: datetime = super()._deserialize(value, attr, data, **kwargs)
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class Word(fields.String):
    """A word from a controlled vocabulary; the error names the allowed words."""

    def __init__(self, choices, **kwargs):
        self.choices = tuple(choices)
        super().__init__(
            validate=validate.OneOf(
                self.choices, error="Must be one of: " + ", ".join(self.choices) + "."
            ),
            metadata={"enum": list(self.choices), **kwargs.pop("metadata", {})},
            **kwargs,
        )


# Something other than white space (what ``str.strip`` removes, spelled out, so that
# every regular-expression engine reads the documented pattern alike); the same
# pattern validates.
_SPACE = "".join(
    (r"\t\n\v\f\r\x1c-\x20\x85\xa0\u1680", r"\u2000-\u200a\u2028\u2029\u202f\u205f\u3000")
)
_NOT_BLANK = f"[^{_SPACE}]"


# Text that is not only white space and holds no NUL, as the document states it.
_STORABLE_NOT_BLANK = f"^[^\\u0000]*[^{_SPACE}\\u0000][^\\u0000]*$"


def NotBlank(max_length: int, **kwargs):
    """Text of 1 to ``max_length`` characters that is not only white space."""
    return fields.String(
        validate=[
            validate.Length(min=1, max=max_length),
            validate.Regexp(f"^[{_SPACE}]*{_NOT_BLANK}", error="Must not be blank."),
        ],
        metadata={"pattern": _STORABLE_NOT_BLANK, **kwargs.pop("metadata", {})},
        **kwargs,
    )


class File(Upload):
    """A file part of a multipart body: a text field of the same name is no file."""

    default_error_messages = {"invalid": "Send the file as a file part of the multipart body."}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, FileStorage):
            raise self.make_error("invalid")
        return value


def Name(**kwargs):
    """A name or title: 1 to 200 characters, not only spaces (names are stored stripped)."""
    return NotBlank(200, **kwargs)


def Text(max_length: int = 5000, **kwargs):
    return fields.String(validate=validate.Length(max=max_length), **kwargs)


_TIMEZONES = frozenset(TIMEZONES)


def _known_timezone(value: str, **kwargs) -> None:
    if value not in _TIMEZONES:
        raise ValidationError("Must be an IANA time zone name, such as Europe/London.")


# The component schema that names every time zone, once for the whole document.
TIMEZONE_SCHEMA = "TimeZone"


def Timezone(**kwargs):
    """An IANA time zone name, one of ``TIMEZONES``: the document names them once, in
    the ``TimeZone`` schema every time zone field refers to (``GET /vocabularies``
    lists them too)."""
    return fields.String(
        validate=_known_timezone,
        metadata={
            "example": "Europe/London",
            "description": "An IANA time zone name; `GET /vocabularies` lists them.",
            "allOf": [{"$ref": f"#/components/schemas/{TIMEZONE_SCHEMA}"}],
        },
        **kwargs,
    )


_WEB_ADDRESS = r"^https?://[^\s/?#\u0000]+[^\s\u0000]*$"


def WebAddress(**kwargs):
    """An http(s) address, such as a video's; the pattern is the whole rule."""
    return fields.String(
        validate=[
            validate.Length(max=500),
            validate.Regexp(_WEB_ADDRESS, error="Must be an http or https address."),
        ],
        metadata={"pattern": _WEB_ADDRESS, "example": "https://videos.example/tucks.mp4"},
        **kwargs,
    )


PROBLEM = "application/problem+json"


class ProblemSchema(Schema):
    """An error, as application/problem+json (RFC 9457)."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Field messages keyed by path, for validation errors."},
    )
    existing_id = Integer(
        metadata={
            "description": "With the 409 for a session that already has a check-in: "
            "that check-in's id."
        }
    )


class PaginationMetadataSchema(Schema):
    """What ``X-Pagination`` holds (as JSON text) on every list."""

    total = Integer(required=True, metadata={"description": "Items in the list."})
    total_pages = Integer(required=True, metadata={"description": "0 for an empty list."})
    page = Integer(required=True, metadata={"description": "The page answered."})
    page_size = Integer(required=True)
    first_page = Integer(required=True)
    last_page = Integer(required=True, metadata={"description": "At least 1."})
    previous_page = Integer(metadata={"description": "Absent on the first page."})
    next_page = Integer(metadata={"description": "Absent on the last page."})
