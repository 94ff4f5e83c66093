"""Bodies of activities: the upload, and an activity as answered."""

from marshmallow import fields

from academy.activities.intake import MAX_SPLITS
from academy.common.schemas import BaseSchema, File, Float, Id, Integer, QuerySchema, UTCDateTime
from academy.vocabularies import ACTIVITY_FORMATS


class ActivityUploadSchema(QuerySchema):
    """A multipart body (its fields arrive as text, as a query's do)."""

    file = File(
        required=True,
        metadata={"description": "A FIT, GPX or TCX file (gzip-compressed too), up to 10 MB."},
    )
    check_in_id = Id(
        metadata={
            "description": "The check-in it records. Without it, the activity makes a "
            "check-in for its date, on that day's run session if there is one."
        }
    )


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


class ActivitySchema(BaseSchema):
    id = Integer()
    client_id = Integer()
    format = fields.String(metadata={"enum": list(ACTIVITY_FORMATS)})
    sport = fields.String()
    started_at = UTCDateTime()
    date = fields.Date(metadata={"description": "The day it started on, in the client's timezone."})
    distance_m = Float()
    duration_seconds = Integer(metadata={"description": "From the first point to the last."})
    moving_seconds = Integer(
        metadata={"description": "Time moving at 0.5 m/s or more, pauses over 30 s left out."}
    )
    elevation_gain_m = Float(allow_none=True)
    avg_hr = Integer(allow_none=True)
    max_hr = Integer(allow_none=True)
    avg_cadence_spm = Integer(allow_none=True, metadata={"description": "Steps per minute."})
    splits = Splits(
        fields.Nested(SplitSchema),
        metadata={"description": f"A kilometre each, at most {MAX_SPLITS}."},
    )
    check_in_id = Integer(allow_none=True)
    file_name = fields.String()
    file_size = Integer()
    created_at = UTCDateTime()
