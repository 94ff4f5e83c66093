"""Request and response bodies of check-ins, adherence, trends and the dashboard."""

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


class TrendQuerySchema(DateRangeSchema):
    region = fields.List(Word(REGIONS), metadata={"description": "One or more; default all."})


class WeekAdherenceSchema(BaseSchema):
    week_start = fields.Date(metadata={"description": "The Monday of the week."})
    scheduled = Integer()
    completed = Integer()
    rate = Float(allow_none=True)


class WindowSchema(BaseSchema):
    days = Integer()
    scheduled = Integer()
    completed = Integer()
    rate = Float(allow_none=True)


class AdherenceSchema(BaseSchema):
    client_id = Integer()
    today = fields.Date(metadata={"description": "Today in the client's timezone."})
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    scheduled = Integer()
    completed = Integer()
    rate = Float(allow_none=True)
    weeks = fields.List(fields.Nested(WeekAdherenceSchema))
    current_streak = Integer()
    compliance = fields.Dict(keys=fields.String(), values=fields.Nested(WindowSchema))
    last_check_in = fields.Date(allow_none=True)


class TrendPointSchema(BaseSchema):
    date = fields.Date()
    tightness = Float(allow_none=True)
    pain = Float(allow_none=True)


class RegionTrendSchema(BaseSchema):
    region = fields.String()
    left = fields.List(fields.Nested(TrendPointSchema))
    right = fields.List(fields.Nested(TrendPointSchema))
    both = fields.List(fields.Nested(TrendPointSchema))
    difference = fields.List(
        fields.Nested(TrendPointSchema),
        metadata={"description": "Left minus right, on the dates both sides were rated."},
    )


class ActivityCadenceSchema(BaseSchema):
    date = fields.Date()
    activity_id = Integer()
    cadence_spm = Integer()


class GaitCadenceSchema(BaseSchema):
    date = fields.Date()
    assessment_id = Integer()
    cadence_spm = Integer()


class CadenceTrendSchema(BaseSchema):
    activities = fields.List(
        fields.Nested(ActivityCadenceSchema),
        metadata={"description": "Each uploaded activity's average cadence (steps a minute)."},
    )
    assessments = fields.List(
        fields.Nested(GaitCadenceSchema),
        metadata={"description": "The gait cadence each assessment recorded."},
    )


class TrendsSchema(BaseSchema):
    client_id = Integer()
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    regions = fields.List(fields.Nested(RegionTrendSchema))
    cadence = fields.Nested(CadenceTrendSchema)


class LoadDaySchema(BaseSchema):
    date = fields.Date()
    srpe_load = Float(
        metadata={"description": "Σ rpe * minutes of the day's check-ins, cross-training apart."}
    )
    cross_training_load = Float(
        metadata={
            "description": "Σ rpe * minutes of the day's cross-training (the check-ins of "
            "uploaded rides, swims and other sports not a run); RPE 5 where none was given."
        }
    )
    distance_km = Float(metadata={"description": "Running distance only."})
    duration_minutes = Float(metadata={"description": "Minutes of `srpe_load`'s check-ins."})
    cross_training_minutes = Float()


class LoadWeekSchema(BaseSchema):
    week_start = fields.Date(metadata={"description": "The Monday of the week."})
    load = Float(metadata={"description": "The week's sRPE load, cross-training apart."})
    cross_training_load = Float()
    distance_km = Float(metadata={"description": "Running distance only."})
    distance_change_pct = Float(
        allow_none=True,
        metadata={"description": "Against the week before; null when that had no distance."},
    )
    monotony = Float(
        allow_none=True,
        metadata={"description": "Mean ÷ standard deviation of the 7 daily loads, "
                  "cross-training included; null when they are all equal."},
    )  # fmt: skip
    strain = Float(
        allow_none=True,
        metadata={"description": "The week's load, cross-training included, * monotony."},
    )


class AcwrSchema(BaseSchema):
    as_of = fields.Date()
    acute = Float(
        metadata={"description": "Load of the 7 days up to `as_of`, cross-training included."}
    )
    chronic = Float(metadata={"description": "Load of the 28 days up to `as_of` ÷ 4."})
    rolling = Float(allow_none=True, metadata={"description": "acute ÷ chronic."})
    ewma = Float(
        allow_none=True,
        metadata={"description": "Exponentially weighted acute ÷ chronic (λ = 2/(N+1), "
                  "N = 7 and 28, over the 84 days up to `as_of`)."},
    )  # fmt: skip


class LoadSchema(BaseSchema):
    client_id = Integer()
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    days = fields.List(fields.Nested(LoadDaySchema))
    weeks = fields.List(
        fields.Nested(LoadWeekSchema),
        metadata={"description": "Every Monday-to-Sunday week the range touches, whole."},
    )
    acwr = fields.Nested(AcwrSchema)


class AttentionReasonSchema(BaseSchema):
    code = fields.String(
        metadata={
            "enum": [
                "compliance_dropping",
                "pain_reported",
                "no_recent_check_in",
                "load_spike",
                "distance_jump",
                "unread_messages",
                "plan_conflicts",
            ]
        }
    )
    detail = fields.String()
    count = Integer(
        allow_none=True,
        metadata={
            "description": "How many: the items ahead held back (`plan_conflicts`), the "
            "unread messages (`unread_messages`); null for the other reasons."
        },
    )


class AttentionSchema(BaseSchema):
    client_id = Integer()
    name = fields.String()
    reasons = fields.List(fields.Nested(AttentionReasonSchema))
    unread_messages = Integer(
        metadata={"description": "The client's messages that no coach has marked read."}
    )
