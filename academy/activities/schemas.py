"""Bodies of activities: the upload, and an activity as answered."""

from marshmallow import fields, validate

from academy.activities.intake import MAX_SPLITS
from academy.common.schemas import (
    BaseSchema,
    File,
    Float,
    Id,
    Integer,
    QuerySchema,
    UTCDateTime,
    Word,
)
from academy.vocabularies import ACTIVITY_FORMATS, ACTIVITY_KINDS, ACTIVITY_SPORTS, RPE


class ActivityUploadSchema(QuerySchema):
    """A multipart body (its fields arrive as text, as a query's do)."""

    file = File(
        required=True,
        metadata={"description": "A FIT, GPX or TCX file (gzip-compressed too), up to 10 MB."},
    )
    check_in_id = Id(
        metadata={
            "description": "The check-in it records (a multisport file's first leg). "
            "Without it, a run makes a check-in for its date, on that day's run session "
            "if there is one; cross-training a check-in of its own."
        }
    )
    rpe = Integer(
        validate=validate.Range(min=RPE[0], max=RPE[1]),
        metadata={
            "description": "How hard it was, 1-10: written on the check-in the activity "
            "records where that has none. A cross-training check-in without one counts "
            "at RPE 5 in the load."
        },
    )


class ActivityQuerySchema(QuerySchema):
    sport = Word(ACTIVITY_SPORTS, metadata={"description": "Only activities of this sport."})
    kind = Word(ACTIVITY_KINDS, metadata={"description": "Only runs, or only cross-training."})


class SplitSchema(BaseSchema):
    index = Integer(metadata={"description": "1 for the first kilometre."})
    distance_m = Float(metadata={"description": "1000, or less for the last part."})
    duration_seconds = Integer()
    avg_hr = Integer(allow_none=True)
    avg_cadence_spm = Integer(allow_none=True)


class Splits(fields.List):
    """At most ``MAX_SPLITS`` in an answer, whatever a row holds, so that a list of
    activities stays bounded."""

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(None if value is None else value[:MAX_SPLITS], attr, obj)


class LegSchema(BaseSchema):
    id = Integer()
    leg = Integer()
    sport = fields.String(metadata={"enum": list(ACTIVITY_SPORTS)})
    kind = fields.String(metadata={"enum": list(ACTIVITY_KINDS)})
    started_at = UTCDateTime()
    distance_m = Float()
    duration_seconds = Integer()


class ActivitySchema(BaseSchema):
    id = Integer()
    client_id = Integer()
    format = fields.String(metadata={"enum": list(ACTIVITY_FORMATS)})
    sport = fields.String(
        metadata={
            "enum": list(ACTIVITY_SPORTS),
            "description": "What the file says it was; `other` when it says nothing Academy knows.",
        }
    )
    kind = fields.String(
        metadata={
            "enum": list(ACTIVITY_KINDS),
            "description": "`run` for the running sports; `cross_training` for the rest, "
            "which fills no run block and no running distance.",
        }
    )
    leg = Integer(metadata={"description": "Its place among its file's legs, from 1."})
    legs = fields.List(
        fields.Nested(LegSchema),
        metadata={
            "description": "Every activity of its file in order, itself included: one "
            "for a file of one sport, one a leg for a multisport file (transitions left "
            "out)."
        },
    )
    started_at = UTCDateTime()
    date = fields.Date(metadata={"description": "The day it started on, in the client's timezone."})
    distance_m = Float()
    duration_seconds = Integer(metadata={"description": "From the first point to the last."})
    moving_seconds = Integer(
        metadata={
            "description": "Time moving at 0.5 m/s or more within the watch's segments "
            "(timer stops, gaps over 30 s and standing still left out; without a distance, "
            "every stretch of 30 s or less; a pool swim's active lengths)."
        }
    )
    elevation_gain_m = Float(allow_none=True)
    avg_hr = Integer(allow_none=True)
    max_hr = Integer(allow_none=True)
    avg_cadence_spm = Integer(
        allow_none=True, metadata={"description": "Steps per minute, for the sports on foot."}
    )
    avg_cadence_rpm = Integer(
        allow_none=True,
        metadata={
            "description": "The watch's own count a minute for the other sports (pedal "
            "revolutions, strokes), never doubled."
        },
    )
    splits = Splits(
        fields.Nested(SplitSchema),
        metadata={"description": f"A kilometre each, at most {MAX_SPLITS}."},
    )
    check_in_id = Integer(allow_none=True)
    file_name = fields.String()
    file_size = Integer()
    created_at = UTCDateTime()
