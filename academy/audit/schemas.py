"""Bodies of the audit log."""

from marshmallow import fields

from academy.audit.models import RESOURCES
from academy.common.schemas import BaseSchema, Date, Id, Integer, QuerySchema, UTCDateTime, Word


class AuditEntrySchema(BaseSchema):
    id = Integer()
    at = UTCDateTime()
    actor_id = Integer(allow_none=True)
    actor_role = fields.String()
    action = fields.String(metadata={"enum": ["create", "update", "delete"]})
    resource = fields.String(metadata={"enum": list(RESOURCES)})
    resource_id = Integer()
    fields_ = fields.List(fields.String(), data_key="fields", attribute="fields")


class AuditQuerySchema(QuerySchema):
    resource = Word(RESOURCES)
    resource_id = Id()
    actor_id = Id()
    from_ = Date(data_key="from")
    to = Date()
