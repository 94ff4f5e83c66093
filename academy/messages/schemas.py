"""Request and response bodies of messages."""

from marshmallow import fields

from academy.common.schemas import BaseSchema, Id, Integer, NotBlank, QuerySchema, UTCDateTime
from academy.messages.models import MAX_BODY


class MessageCreateSchema(BaseSchema):
    # A message of white space says nothing.
    body = NotBlank(
        MAX_BODY,
        required=True,
        metadata={"example": "The left hip pinched on the second set of bridges."},
    )
    check_in_id = Id(
        allow_none=True,
        load_default=None,
        metadata={"description": "The client's check-in the message is about, if any."},
    )


class AuthorSchema(BaseSchema):
    id = Integer(dump_only=True)
    name = fields.String(dump_only=True)
    role = fields.String(dump_only=True, metadata={"enum": ["owner", "coach", "client"]})


class MessageSchema(BaseSchema):
    id = Integer(dump_only=True)
    client_id = Integer(dump_only=True, metadata={"description": "Whose thread it is in."})
    author = fields.Nested(AuthorSchema, dump_only=True)
    body = fields.String(dump_only=True)
    check_in_id = Integer(dump_only=True, allow_none=True)
    created_at = UTCDateTime(dump_only=True)
    read_at = UTCDateTime(
        dump_only=True,
        allow_none=True,
        metadata={"description": "When the other side marked it read; null while unread."},
    )


class MessageQuerySchema(QuerySchema):
    check_in_id = Id(metadata={"description": "Only the thread about this check-in."})


class MessagesReadSchema(BaseSchema):
    up_to_id = Id(
        required=True,
        metadata={
            "description": "The newest message read: it and every older message of the "
            "other side in the thread are marked read."
        },
    )


class MessagesReadAnswerSchema(BaseSchema):
    marked = Integer(dump_only=True, metadata={"description": "How many were marked read now."})
    unread_messages = Integer(
        dump_only=True, metadata={"description": "The other side's messages still unread."}
    )
