"""The base schema, shared fields and the problem schema used in the docs."""

from datetime import UTC, datetime
from zoneinfo import available_timezones

from marshmallow import Schema, ValidationError, fields, validate

from academy.common.time import iso_z


class BaseSchema(Schema):
    """Rejects unknown fields, so ids, owners, roles and timestamps never slip in."""

    class Meta:
        unknown = "raise"
        ordered = True


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


def _not_blank(value: str, **kwargs) -> None:
    if not value.strip():
        raise ValidationError("Must not be blank.")


def Name(**kwargs):
    """A name or title: 1 to 200 characters, not only spaces (names are stored stripped)."""
    return fields.String(validate=[validate.Length(min=1, max=200), _not_blank], **kwargs)


def Text(max_length: int = 5000, **kwargs):
    return fields.String(validate=validate.Length(max=max_length), **kwargs)


_TIMEZONES = frozenset(available_timezones())


def validate_timezone(value: str, **kwargs) -> None:
    if value not in _TIMEZONES:
        raise ValidationError("Must be an IANA time zone name, such as Europe/London.")


def Timezone(**kwargs):
    return fields.String(
        validate=validate_timezone, metadata={"example": "Europe/London"}, **kwargs
    )


class ProblemSchema(Schema):
    """An error, as application/problem+json (RFC 9457)."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Field messages keyed by path, for validation errors."},
    )
