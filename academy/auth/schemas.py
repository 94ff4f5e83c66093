"""Request and response bodies of accounts and sessions."""

from marshmallow import ValidationError, fields, validate

from academy.auth.passwords import MAX_LENGTH, MIN_LENGTH
from academy.common.schemas import BaseSchema, Integer, Name, Timezone, UpdateSchema, UTCDateTime


def Password(**kwargs):
    """A new password, never echoed back. Its length is checked here; the rest of the
    rule (common, guessable, personal) by the service, which knows whose it is."""
    return fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(min=MIN_LENGTH, max=MAX_LENGTH),
        metadata={
            "description": f"{MIN_LENGTH} to {MAX_LENGTH} characters; not common or easy to "
            "guess, not one character repeated, and without the email's name part or the "
            "person's name."
        },
        **kwargs,
    )


def _deliverable(value: str, **kwargs) -> None:
    # `.invalid` never receives mail (RFC 2606); erased accounts get such an address,
    # which must stay free for them.
    if value.strip().rstrip(".").lower().endswith(".invalid"):
        raise ValidationError("Must be an address that can receive mail.")


def Email(**kwargs):
    return fields.Email(validate=[validate.Length(max=254), _deliverable], **kwargs)


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


class MeSchema(UserSchema):
    unread_messages = Integer(
        dump_only=True,
        metadata={
            "description": "Messages of the other side not marked read yet: a client's "
            "from the coaches; a coach's from the academy's active clients."
        },
    )


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


class PasswordResetSchema(BaseSchema):
    email = Email(required=True)


class PasswordResetConfirmSchema(BaseSchema):
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
