"""Bodies of the calendar feed."""

from marshmallow import fields

from academy.common.schemas import BaseSchema


class CalendarFeedSchema(BaseSchema):
    url = fields.String(metadata={"description": "The secret .ics address to subscribe to."})
