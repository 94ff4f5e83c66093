"""Request and response bodies of the privacy operations."""

from marshmallow import fields, validate

from academy.common.schemas import BaseSchema


class EraseSchema(BaseSchema):
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=256))


class ExportSchema(BaseSchema):
    class Meta:
        unknown = "include"

    account = fields.Dict()
    profile = fields.Dict()
    assignments = fields.List(fields.Dict())
    check_ins = fields.List(fields.Dict())
    assessments = fields.List(fields.Dict())
    activities = fields.List(
        fields.Dict(),
        metadata={"description": "Uploaded activities, each with its original `file` "
                  "(`name`, `size`, `content_base64`)."},
    )  # fmt: skip
    messages = fields.List(fields.Dict(), metadata={"description": "The caller's thread."})
    activity = fields.List(fields.Dict(), metadata={"description": "What the caller wrote."})
