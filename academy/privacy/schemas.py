"""Request and response bodies of the privacy operations."""

from marshmallow import fields, validate

from academy.assessments.schemas import ClientAssessmentSchema
from academy.audit.schemas import AuditEntrySchema
from academy.auth.schemas import UserSchema
from academy.checkins.schemas import CheckInSchema
from academy.clients.schemas import RunningProfileSchema
from academy.common.schemas import BaseSchema, Date
from academy.messages.schemas import MessageSchema
from academy.programs.schemas import AssignmentSchema


class EraseSchema(BaseSchema):
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=256))


class WrittenSchema(AuditEntrySchema):
    """An audit entry of what the caller wrote: when, what and which fields."""

    class Meta(AuditEntrySchema.Meta):
        exclude = ("id", "actor_id", "actor_role")


class ProfileExportSchema(BaseSchema):
    goals = fields.String()
    birth_date = Date(allow_none=True)
    running_profile = fields.Nested(RunningProfileSchema, allow_none=True)


class ExportSchema(BaseSchema):
    """Everything held about the caller, each part in the shape its own operations
    answer it. A coach's export holds only the account and what they wrote, so the
    schema promises no part (it is open, as the document says)."""

    class Meta(BaseSchema.Meta):
        unknown = "include"

    account = fields.Nested(UserSchema)
    profile = fields.Nested(ProfileExportSchema)
    assignments = fields.List(fields.Nested(AssignmentSchema))
    check_ins = fields.List(fields.Nested(CheckInSchema))
    assessments = fields.List(fields.Nested(ClientAssessmentSchema))
    activities = fields.List(
        fields.Dict(),
        metadata={"description": "Uploaded activities, each with its original `file` "
                  "(`name`, `size`, `content_base64`)."},
    )  # fmt: skip
    messages = fields.List(
        fields.Nested(MessageSchema), metadata={"description": "The caller's thread."}
    )
    activity = fields.List(
        fields.Nested(WrittenSchema),
        metadata={"description": "What the caller wrote."},
    )
