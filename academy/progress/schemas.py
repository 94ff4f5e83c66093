"""Request and response bodies of a client's progress: adherence, trends, training load
and the dashboard."""

from marshmallow import fields

from academy.checkins.schemas import DateRangeSchema
from academy.common.schemas import BaseSchema, Float, Integer, Word
from academy.vocabularies import REGIONS


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
    # A field: marshmallow takes it off the class.
    load = Float(  # type: ignore[assignment]
        metadata={"description": "The week's sRPE load, cross-training apart."}
    )
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
