"""Clients of the academy (coach only)."""

from flask.views import MethodView

from academy.auth.schemas import InvitationSchema
from academy.clients import service
from academy.clients.schemas import (
    ClientCreatedSchema,
    ClientCreateSchema,
    ClientQuerySchema,
    ClientSchema,
    ClientUpdateSchema,
    InvitationReissueSchema,
)
from academy.common.auth import COACH_ROLES, current_user
from academy.common.blueprint import Blueprint
from academy.common.etag import etag_header, if_match
from academy.common.responses import location

blp = Blueprint("clients", __name__, url_prefix="/api/v1", description="Clients (coach only)")


@blp.route("/clients")
class Clients(MethodView):
    @blp.auth(COACH_ROLES)
    @blp.arguments(ClientQuerySchema, location="query")
    @blp.paginate()
    @blp.response(200, ClientSchema(many=True))
    def get(self, query, pagination_parameters):
        """List clients

        `q` matches part of the name or email, ignoring case, accents, spaces and
        punctuation; `status` is `active` (the default) or `archived`. Each client comes
        with `last_check_in`, `compliance_7d` and `unread_messages` (the client's
        messages no coach has marked read); `sort` orders by `name` (the default),
        `last_check_in` or `compliance_7d`, `-` first for descending.
        """
        return service.list_clients(current_user(), pagination_parameters, **query)

    @blp.auth(COACH_ROLES)
    @blp.arguments(ClientCreateSchema)
    @blp.response(201, ClientCreatedSchema, etag=True, location=True)
    @blp.errors(400, 409, 429)
    def post(self, data):
        """Add a client

        Answers with an `invitation` code that the coach passes on; the client app
        accepts it at `POST /auth/invitations/accept` to set a password. The code is
        also mailed to the client, in the name of the coach and the academy.

        An academy sends at most 50 invitations an hour and 200 a day (10 an hour in
        its first day; the server may set other figures): past them the answer is 429
        with `Retry-After`, and nothing is stored or mailed. Every request counts, an
        email that already has an account (409) included.
        """
        client = service.create_client(current_user(), data)
        where = location("clients.ClientById", client_id=client.id)
        return client, 201, {**etag_header(client), **where}


@blp.route("/clients/<int:client_id>")
class ClientById(MethodView):
    @blp.auth(COACH_ROLES)
    @blp.conditional()
    @blp.response(200, ClientSchema, etag=True)
    @blp.errors(404)
    def get(self, client_id):
        """Read a client

        The `ETag` header carries the version to send back in `If-Match` when writing.
        """
        client = service.read_client(current_user(), client_id)
        return client, 200, etag_header(client)

    @blp.auth(COACH_ROLES)
    @blp.arguments(ClientUpdateSchema)
    @blp.response(200, ClientSchema, etag=True)
    @blp.errors(400, 404, 409, 429)
    @blp.precondition()
    def patch(self, data, client_id):
        """Change a client (needs If-Match)

        A new `email` counts against the academy's invitations, as adding a client
        does (429 with `Retry-After` past them).
        """
        client = service.update_client(current_user(), client_id, if_match(), data)
        return client, 200, etag_header(client)

    @blp.auth(COACH_ROLES)
    @blp.response(204)
    @blp.errors(404)
    @blp.precondition()
    def delete(self, client_id):
        """Archive a client (needs If-Match)

        The client can no longer sign in; their programs, check-ins and assessments
        stay for the coach. `PATCH` with `status: active` restores them.
        """
        service.archive_client(current_user(), client_id, if_match())


@blp.route("/clients/<int:client_id>/invitation")
class ClientInvitation(MethodView):
    @blp.auth(COACH_ROLES)
    @blp.arguments(InvitationReissueSchema, required=False)
    @blp.response(201, InvitationSchema)
    @blp.errors(400, 404, 409, 429)
    def post(self, data, client_id):
        """Issue a new invitation code for a client; the previous code stops working

        The body is optional. A client who already accepted an invitation has access:
        a new code would let whoever holds it set their password, so that is 409
        unless the owner sends `{"reset_access": true}` (a coach gets 403 for it).
        The reset is in the audit log, and accepting the code ends every session of
        the client. Each new code counts against the academy's invitations, as adding
        a client does (429 with `Retry-After` past them).
        """
        return service.reissue_invitation(current_user(), client_id, **data).invitation
