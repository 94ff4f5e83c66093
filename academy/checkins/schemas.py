"""Request and response bodies of check-ins."""

from marshmallow import ValidationError, fields, validate, validates_schema

from academy.common.schemas import (
    BaseSchema,
    Boolean,
    Date,
    Float,
    Id,
    Integer,
    QuerySchema,
    Text,
    UpdateSchema,
    UTCDateTime,
    Word,
)
from academy.files.schemas import MediaSchema
from academy.programs.schemas import ItemSchema
from academy.vocabularies import BODY_SIDES, PAIN, REGIONS, RPE, SIDES, TIGHTNESS, WELLNESS


def _scale(bounds, **kwargs):
    return Integer(allow_none=True, validate=validate.Range(min=bounds[0], max=bounds[1]), **kwargs)


# A run's bounds: the furthest and the longest a client trains for (a 48-hour race).
# A watch's activity file is held to the same (academy.activities.intake).
RUN_MAX_KM = 500
RUN_MAX_MINUTES = 48 * 60


def _amount(maximum, number=Integer):
    return number(allow_none=True, validate=validate.Range(min=0, max=maximum))


class ResultWriteSchema(BaseSchema):
    item_id = Id(required=True, metadata={"description": "A program item's id."})
    completed = Boolean(load_default=True)
    sets_done = _amount(100)
    reps_done = _amount(1000)
    side = Word(SIDES, allow_none=True)
    felt_in = fields.List(
        Word(REGIONS), load_default=list, metadata={"description": "Where the client felt it."}
    )
    notes = Text(2000, load_default="")


class RatingSchema(BaseSchema):
    region = Word(REGIONS, required=True)
    side = Word(BODY_SIDES, required=True)
    tightness = _scale(TIGHTNESS)
    pain = _scale(PAIN)

    OPENAPI = {
        "anyOf": [
            {"required": [name], "properties": {name: {"type": "integer"}}}
            for name in ("tightness", "pain")
        ]
    }

    @validates_schema
    def something_is_rated(self, data, **kwargs):
        if data.get("tightness") is None and data.get("pain") is None:
            raise ValidationError("Rate tightness, pain or both.", "_schema")


class WellnessSchema(BaseSchema):
    sleep_hours = Float(allow_none=True, validate=validate.Range(min=0, max=24))
    stress = _scale(WELLNESS)
    energy = _scale(WELLNESS)
    soreness = _scale(WELLNESS)


class RunSchema(BaseSchema):
    distance_km = _amount(RUN_MAX_KM, Float)
    duration_minutes = _amount(RUN_MAX_MINUTES, Float)
    cadence_spm = _amount(300)


class CheckInWriteSchema(BaseSchema):
    date = Date(metadata={"description": "Not later than today in the client's timezone."})
    assignment_id = Id(allow_none=True)
    session_id = Id(allow_none=True, metadata={"description": "A session of the named assignment."})
    completed = Boolean()
    rpe = _scale(RPE, metadata={"description": "Rate of perceived exertion, 1-10."})
    duration_minutes = _amount(1440)
    results = fields.List(fields.Nested(ResultWriteSchema), validate=validate.Length(max=100))
    ratings = fields.List(fields.Nested(RatingSchema), validate=validate.Length(max=60))
    wellness = fields.Nested(WellnessSchema, allow_none=True)
    run = fields.Nested(RunSchema, allow_none=True)
    notes = Text(5000)


def _given(name: str) -> dict:
    """JSON Schema: the body gives ``name`` an id (not null)."""
    return {"properties": {name: {"type": "integer"}}, "required": [name]}


class CheckInCreateSchema(CheckInWriteSchema):
    # A session is named with its assignment, and item results with their session.
    OPENAPI = {
        "allOf": [
            {"if": _given("session_id"), "then": _given("assignment_id")},
            {
                "if": {"properties": {"results": {"minItems": 1}}, "required": ["results"]},
                "then": _given("session_id"),
            },
        ]
    }

    date = Date(required=True)
    completed = Boolean(load_default=True)


class CheckInUpdateSchema(UpdateSchema, CheckInWriteSchema):
    """Any field; `results` and `ratings`, when given, replace the lists."""


class PrescribedSchema(ItemSchema):
    """What a result repeats of the item it answers, as prescribed that day."""

    class Meta(ItemSchema.Meta):
        exclude = ("id", "group", "tempo", "rest_seconds", "notes")


class ResultSchema(BaseSchema):
    id = Integer()
    item_id = Integer()
    prescribed = fields.Nested(
        PrescribedSchema,
        metadata={"description": "The item as it was prescribed when the client did it."},
    )
    completed = Boolean()
    sets_done = Integer(allow_none=True)
    reps_done = Integer(allow_none=True)
    side = fields.String(allow_none=True)
    felt_in = fields.List(fields.String())
    notes = fields.String()


class SessionRefSchema(BaseSchema):
    id = Integer()
    week = Integer()
    day = Integer()
    title = fields.String()


class CheckInSchema(BaseSchema):
    id = Integer(dump_only=True)
    client_id = Integer(dump_only=True)
    date = fields.Date(dump_only=True)
    assignment_id = Integer(dump_only=True, allow_none=True)
    session_id = Integer(dump_only=True, allow_none=True)
    session = fields.Nested(SessionRefSchema, dump_only=True, allow_none=True)
    completed = Boolean(dump_only=True)
    rpe = Integer(dump_only=True, allow_none=True)
    duration_minutes = Integer(dump_only=True, allow_none=True)
    results = fields.List(fields.Nested(ResultSchema), dump_only=True)
    ratings = fields.List(fields.Nested(RatingSchema), dump_only=True)
    wellness = fields.Nested(WellnessSchema, dump_only=True)
    run = fields.Nested(RunSchema, dump_only=True)
    notes = fields.String(dump_only=True)
    media = fields.List(
        fields.Nested(MediaSchema),
        dump_only=True,
        metadata={"description": "The client's form-check videos of it."},
    )
    created_at = UTCDateTime(dump_only=True)
    updated_at = UTCDateTime(dump_only=True)


class DateRangeSchema(QuerySchema):
    from_ = Date(data_key="from")
    to = Date(metadata={"description": "`to` before `from` is an empty range."})


class CheckInQuerySchema(DateRangeSchema):
    sort = Word(
        ("date", "-date"),
        load_default="-date",
        metadata={"description": "By date, `-` first for the newest first (the default)."},
    )


class MyCheckInQuerySchema(CheckInQuerySchema):
    updated_since = UTCDateTime(
        metadata={
            "description": "Only check-ins written or corrected at or after this instant: "
            "send the time of your last sync."
        }
    )
