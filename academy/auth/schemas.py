"""Request and response bodies of accounts and sessions."""

from marshmallow import fields, validate

from academy.common.schemas import BaseSchema, Integer, Name, Timezone, UpdateSchema, UTCDateTime


def Password(**kwargs):
    """A new password: 10 to 256 characters, never echoed back."""
    return fields.String(
        required=True, load_only=True, validate=validate.Length(min=10, max=256), **kwargs
    )


def Email(**kwargs):
    return fields.Email(validate=validate.Length(max=254), **kwargs)


class AcademySchema(BaseSchema):
    id = Integer(dump_only=True)
    name = fields.String(dump_only=True)


class UserSchema(BaseSchema):
    id = Integer(dump_only=True)
    role = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    email = fields.String(dump_only=True)
    timezone = fields.String(dump_only=True)
    status = fields.String(dump_only=True)
    academy = fields.Nested(AcademySchema, dump_only=True)
    created_at = UTCDateTime(dump_only=True)
    updated_at = UTCDateTime(dump_only=True)


class TokenSchema(BaseSchema):
    access_token = fields.String(dump_only=True)
    refresh_token = fields.String(dump_only=True)
    token_type = fields.String(dump_only=True, metadata={"example": "Bearer"})
    expires_at = UTCDateTime(dump_only=True)
    refresh_expires_at = UTCDateTime(dump_only=True)
    user = fields.Nested(UserSchema, dump_only=True)


class SignupSchema(BaseSchema):
    academy_name = Name(required=True)
    name = Name(required=True)
    email = Email(required=True)
    password = Password()


class TokenCreateSchema(BaseSchema):
    email = fields.String(required=True, validate=validate.Length(min=1, max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=256))


class RefreshSchema(BaseSchema):
    refresh_token = fields.String(required=True, validate=validate.Length(min=1, max=256))


class InvitationAcceptSchema(BaseSchema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=256))
    password = Password()


class InvitationSchema(BaseSchema):
    code = fields.String(dump_only=True)
    expires_at = UTCDateTime(dump_only=True)


class MeUpdateSchema(UpdateSchema):
    name = Name()
    timezone = Timezone()


class PasswordChangeSchema(BaseSchema):
    current_password = fields.String(
        required=True, load_only=True, validate=validate.Length(max=256)
    )
    new_password = Password()


class CoachCreateSchema(BaseSchema):
    name = Name(required=True)
    email = Email(required=True)


class CoachSchema(UserSchema):
    """An owner or coach of the academy."""


class CoachCreatedSchema(CoachSchema):
    invitation = fields.Nested(InvitationSchema, dump_only=True)
