"""Bodies of the audit log."""

from marshmallow import fields, validate

from academy.audit.models import RESOURCES
from academy.common.schemas import BaseSchema, UTCDateTime, Word


class AuditEntrySchema(BaseSchema):
    id = fields.Integer()
    at = UTCDateTime()
    actor_id = fields.Integer(allow_none=True)
    actor_role = fields.String()
    action = fields.String(metadata={"enum": ["create", "update", "delete"]})
    resource = fields.String(metadata={"enum": list(RESOURCES)})
    resource_id = fields.Integer()
    fields_ = fields.List(fields.String(), data_key="fields", attribute="fields")


class AuditQuerySchema(BaseSchema):
    resource = Word(RESOURCES)
    resource_id = fields.Integer(validate=validate.Range(min=1))
    actor_id = fields.Integer(validate=validate.Range(min=1))
    from_ = fields.Date(data_key="from")
    to = fields.Date()
