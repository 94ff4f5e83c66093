"""Accounts and sessions: /auth, /me and /coaches."""

from flask import Response, request
from flask.views import MethodView

from academy.auth import service
from academy.auth.schemas import (
    CoachCreatedSchema,
    CoachCreateSchema,
    CoachSchema,
    InvitationAcceptSchema,
    MeSchema,
    MeUpdateSchema,
    PasswordChangeSchema,
    PasswordResetConfirmSchema,
    PasswordResetSchema,
    RefreshSchema,
    SignupSchema,
    TokenCreateSchema,
    TokenSchema,
)
from academy.common.auth import (
    COACH_ROLES,
    OWNER_ROLES,
    current_account,
    current_token_id,
    current_user,
)
from academy.common.blueprint import Blueprint
from academy.common.pagination import paginate

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Accounts and sessions")


@blp.route("/auth/signup")
class Signup(MethodView):
    @blp.arguments(SignupSchema)
    @blp.response(201, TokenSchema)
    @blp.errors(400, 403, 409, 413, 429)
    def post(self, data):
        """Create an academy and its owner

        Answers like token creation, so the new owner is signed in at once. An email
        that already has an account is 409. Sign-ups from one address are limited
        (429). The service may switch sign-up off (403); `flask academy create-coach`
        does the same from the command line.
        """
        return service.sign_up(**data, address=request.remote_addr)


@blp.route("/auth/tokens")
class Tokens(MethodView):
    @blp.arguments(TokenCreateSchema)
    @blp.response(201, TokenSchema)
    @blp.errors(400, 429)
    @blp.problem(401, "Wrong email or password")
    def post(self, data):
        """Sign in: create an access and refresh token pair

        Repeated failures for one email from one address, or from one address for any
        email, answer 429 with `Retry-After` for a while, even with the right password.
        """
        return service.sign_in(data["email"], data["password"], request.remote_addr)


@blp.route("/auth/tokens/refresh")
class TokenRefresh(MethodView):
    @blp.arguments(RefreshSchema)
    @blp.response(201, TokenSchema)
    @blp.errors(400)
    @blp.problem(401, "Unknown, expired, revoked or reused refresh token")
    def post(self, data):
        """Trade a refresh token for a new pair

        The old pair stops working. The same refresh token presented again within
        `REFRESH_REUSE_GRACE_SECONDS` (30 by default) of its rotation, as a retry or a
        concurrent twin, gets a fresh pair and revokes nothing; later, it revokes every
        token of its user.
        """
        return service.refresh(data["refresh_token"])


@blp.route("/auth/tokens/current")
class CurrentToken(MethodView):
    @blp.auth()
    @blp.response(204)
    def delete(self):
        """Sign out: the presented token stops working"""
        service.sign_out(current_token_id())


@blp.route("/auth/invitations/accept")
class InvitationAccept(MethodView):
    @blp.arguments(InvitationAcceptSchema)
    @blp.response(201, TokenSchema)
    @blp.errors(400)
    @blp.problem(401, "Unknown, used or expired code")
    def post(self, data):
        """Accept an invitation: set a password and sign in

        Codes are single-use and expire; a newer code for the same person replaces
        the older one.
        """
        return service.accept_invitation(data["code"], data["password"])


@blp.route("/auth/password-reset")
class PasswordReset(MethodView):
    @blp.arguments(PasswordResetSchema)
    @blp.response(202)
    @blp.errors(400, 429)
    def post(self, data):
        """Ask for a password-reset code by mail

        Answers 202 whatever the email: an account that can sign in gets a mail with a
        code that works once for `PASSWORD_RESET_MINUTES` (30 by default); any other
        address, a mail saying that it has no such account. Requests for one email,
        and from one address, are limited (429 with `Retry-After`).
        """
        service.request_password_reset(data["email"], request.remote_addr)
        accepted = Response(status=202)
        del accepted.headers["Content-Type"]  # no content, so no type of content either
        return accepted


@blp.route("/auth/password-reset/confirm")
class PasswordResetConfirm(MethodView):
    @blp.arguments(PasswordResetConfirmSchema)
    @blp.response(204)
    @blp.errors(400)
    @blp.problem(401, "Unknown, used or expired code")
    def post(self, data):
        """Set a new password with a mailed reset code

        The password follows the sign-up rules (422 otherwise, and the code still
        works). Every session of the account ends: sign in again with the new password.
        """
        service.reset_password(data["code"], data["password"])


@blp.route("/me")
class Me(MethodView):
    @blp.auth()
    @blp.response(200, MeSchema)
    def get(self):
        """Read the caller's own account

        `unread_messages` counts the other side's messages not marked read yet.
        """
        return service.read_me(current_account())

    @blp.auth()
    @blp.arguments(MeUpdateSchema)
    @blp.response(200, MeSchema)
    @blp.errors(400)
    def patch(self, data):
        """Change the caller's name or timezone"""
        return service.update_me(current_account(), data)


@blp.route("/me/password")
class MyPassword(MethodView):
    @blp.auth()
    @blp.arguments(PasswordChangeSchema)
    @blp.response(204)
    @blp.errors(400)
    def put(self, data):
        """Change the caller's password

        Every other token of the caller stops working; the one presented stays valid.
        """
        service.change_password(
            current_account(), current_token_id(), data["current_password"], data["new_password"]
        )


@blp.route("/coaches")
class Coaches(MethodView):
    @blp.auth(COACH_ROLES)
    @blp.paginate()
    @blp.response(200, CoachSchema(many=True))
    def get(self, pagination_parameters):
        """List the academy's owner and coaches"""
        return paginate(service.list_coaches(current_user()), pagination_parameters)

    @blp.auth(OWNER_ROLES)
    @blp.arguments(CoachCreateSchema)
    @blp.response(201, CoachCreatedSchema)
    @blp.errors(400, 409, 429)
    def post(self, data):
        """Invite a coach to the academy (owner only)

        Answers with an `invitation` code that the new coach accepts at
        `POST /auth/invitations/accept`. Counts against the academy's invitations, as
        adding a client does (429 with `Retry-After` past them).
        """
        return service.invite_coach(current_user(), data["name"], data["email"])
