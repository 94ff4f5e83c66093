"""Bodies of the client app's schedule: assignments with dated sessions, today, and
the days ahead."""

from marshmallow import fields

from academy.common.schemas import BaseSchema, Date, Integer, QuerySchema, UTCDateTime
from academy.programs.schemas import (
    ClientItemSchema,
    HeldSchema,
    ProgramRefSchema,
    SessionSchema,
)
from academy.vocabularies import SESSION_STATUSES

# The longest window GET /me/schedule answers, in days after `from`.


class MyAssignmentsQuerySchema(QuerySchema):
    updated_since = UTCDateTime(
        metadata={
            "description": "Only assignments whose assignment or program changed at or "
            "after this instant: send the time of your last sync."
        }
    )


class ScheduledSessionSchema(SessionSchema):
    items = fields.List(fields.Nested(ClientItemSchema))
    date = fields.Date()
    status = fields.String(metadata={"enum": list(SESSION_STATUSES)})


class ClientAssignmentSchema(BaseSchema):
    """An assignment as the client app sees it: the whole program, every session dated."""

    id = Integer()
    start_date = fields.Date()
    end_date = fields.Date()
    status = fields.String()
    notes = fields.String()
    today = fields.Date(metadata={"description": "Today in the client's timezone."})
    program = fields.Nested(ProgramRefSchema)
    sessions = fields.List(fields.Nested(ScheduledSessionSchema))


class TodaySessionSchema(BaseSchema):
    assignment_id = Integer()
    program_name = fields.String()
    id = Integer()
    week = Integer()
    day = Integer()
    date = fields.Date()
    status = fields.String(metadata={"enum": list(SESSION_STATUSES)})
    title = fields.String()
    notes = fields.String()
    items = fields.List(fields.Nested(ClientItemSchema))


class TodaySchema(BaseSchema):
    date = fields.Date()
    sessions = fields.List(fields.Nested(TodaySessionSchema))


class TodayQuerySchema(QuerySchema):
    date = Date(metadata={"description": "Defaults to today in the client's timezone."})


class ScheduleQuerySchema(QuerySchema):
    from_ = Date(data_key="from", metadata={"description": "Defaults to today."})
    to = Date(
        metadata={
            "description": "Defaults to 6 days after `from`. The list is paged, so the range "
            "may be as long as you like; `to` before `from` is an empty range."
        }
    )


class HeldItemSchema(HeldSchema):
    item_id = Integer()


class ScheduleEntrySchema(BaseSchema):
    date = fields.Date()
    assignment_id = Integer()
    program_name = fields.String()
    id = Integer(metadata={"description": "The session's id, as in `/me/today`."})
    week = Integer()
    day = Integer()
    title = fields.String()
    item_count = Integer()
    planned_distance_m = Integer(
        allow_none=True,
        metadata={"description": "The session's runs' planned distance; null without runs."},
    )
    planned_duration_seconds = Integer(
        allow_none=True, metadata={"description": "The session's runs' planned duration."}
    )
    status = fields.String(metadata={"enum": list(SESSION_STATUSES)})
    held = fields.List(
        fields.Nested(HeldItemSchema),
        metadata={
            "description": "The session's items that the method's safety rules hold back "
            "today (sessions from today on), each with the rule and the reason."
        },
    )
