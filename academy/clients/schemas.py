"""Request and response bodies of clients."""

from marshmallow import fields, validate

from academy.auth.schemas import Email, InvitationSchema
from academy.common.schemas import (
    BaseSchema,
    Boolean,
    Date,
    Float,
    Integer,
    Name,
    QuerySchema,
    Text,
    Timezone,
    UpdateSchema,
    UTCDateTime,
    Word,
)
from academy.vocabularies import CLIENT_STATUSES

CLIENT_SORTS = (
    "name", "-name", "last_check_in", "-last_check_in", "compliance_7d", "-compliance_7d",
)  # fmt: skip


class RunningProfileSchema(BaseSchema):
    weekly_volume_km = Float(
        allow_none=True, validate=validate.Range(min=0, max=1000), metadata={"example": 35}
    )
    target_race = fields.String(
        allow_none=True, validate=validate.Length(max=200), metadata={"example": "City Half"}
    )
    target_race_date = Date(allow_none=True)


_BIRTH_DATE = (
    "Optional. No date of the client's history (an injury on an assessment) may fall before it."
)


class ClientCreateSchema(BaseSchema):
    name = Name(required=True)
    email = Email(required=True)
    timezone = Timezone(load_default="UTC")
    goals = Text(load_default="")
    running_profile = fields.Nested(RunningProfileSchema, load_default=dict)
    coach_notes = Text(load_default="")
    birth_date = Date(allow_none=True, metadata={"description": _BIRTH_DATE})


class ClientUpdateSchema(UpdateSchema):
    name = Name()
    email = Email()
    timezone = Timezone()
    goals = Text()
    running_profile = fields.Nested(RunningProfileSchema)
    coach_notes = Text()
    birth_date = Date(allow_none=True, metadata={"description": _BIRTH_DATE})
    status = Word(CLIENT_STATUSES, metadata={"description": "`archived` also ends access."})


class ClientSchema(BaseSchema):
    id = Integer(dump_only=True)
    name = fields.String(dump_only=True)
    email = fields.String(dump_only=True)
    timezone = fields.String(dump_only=True)
    goals = fields.String(dump_only=True)
    running_profile = fields.Nested(RunningProfileSchema, dump_only=True)
    birth_date = fields.Date(dump_only=True, allow_none=True)
    coach_notes = fields.String(
        dump_only=True, metadata={"description": "Private to coaches; never shown to the client."}
    )
    status = fields.String(dump_only=True)
    account_status = fields.String(
        dump_only=True,
        metadata={"description": "`invited` until the client accepts an invitation."},
    )
    last_check_in = fields.Date(
        dump_only=True,
        allow_none=True,
        attribute="figures.last_check_in",
        metadata={"description": "The date of the client's latest check-in."},
    )
    compliance_7d = Float(
        dump_only=True,
        allow_none=True,
        attribute="figures.compliance_7d",
        metadata={
            "description": "Completed ÷ counted sessions of the 7 days up to the client's "
            "today (as `GET /clients/{id}/adherence` reports it); null when none counted."
        },
    )
    unread_messages = Integer(
        dump_only=True,
        attribute="figures.unread_messages",
        metadata={"description": "The client's messages that no coach has marked read."},
    )
    created_at = UTCDateTime(dump_only=True)
    updated_at = UTCDateTime(dump_only=True)


class ClientCreatedSchema(ClientSchema):
    invitation = fields.Nested(InvitationSchema, dump_only=True)


class InvitationReissueSchema(BaseSchema):
    reset_access = Boolean(
        load_default=False,
        metadata={
            "description": "Needed (and allowed to the owner only) when the client has "
            "already accepted an invitation: whoever accepts the new code sets their "
            "password, and every session of theirs ends."
        },
    )


class ClientQuerySchema(QuerySchema):
    q = fields.String(
        validate=validate.Length(max=100), metadata={"description": "Part of name or email"}
    )
    status = Word(CLIENT_STATUSES, load_default="active")
    sort = Word(
        CLIENT_SORTS,
        load_default="name",
        metadata={"description": "A field, `-` first for descending; figures missing last."},
    )
