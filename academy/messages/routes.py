"""Messages: a client's thread with the academy's coaches (coach and client app)."""

from flask.views import MethodView

from academy.common.auth import CLIENT_ROLES, COACH_ROLES, current_user
from academy.common.blueprint import Blueprint
from academy.common.pagination import paginate
from academy.common.responses import location
from academy.messages import service
from academy.messages.schemas import (
    MessageCreateSchema,
    MessageQuerySchema,
    MessageSchema,
    MessagesReadAnswerSchema,
    MessagesReadSchema,
)

blp = Blueprint(
    "messages", __name__, url_prefix="/api/v1", description="Messages between client and coaches"
)


@blp.route("/clients/<int:client_id>/messages")
class ClientMessages(MethodView):
    @blp.auth(COACH_ROLES)
    @blp.arguments(MessageQuerySchema, location="query")
    @blp.paginate()
    @blp.response(200, MessageSchema(many=True))
    @blp.errors(404)
    def get(self, query, pagination_parameters, client_id):
        """Read a client's thread, newest first

        `check_in_id` keeps the messages about one of the client's check-ins.
        """
        stmt = service.thread(current_user(), client_id, query.get("check_in_id"))
        return paginate(stmt, pagination_parameters)

    @blp.auth(COACH_ROLES)
    @blp.idempotent()
    @blp.arguments(MessageCreateSchema)
    @blp.response(201, MessageSchema, location=True)
    @blp.errors(400, 404, 409, 413)
    def post(self, data, client_id):
        """Write to a client

        Optionally about one of the client's check-ins (`check_in_id`). An archived
        client's thread can be read, not written to (409).
        """
        message = service.post_message(current_user(), data, client_id)
        return message, 201, location("messages.MessageById", message_id=message.id)


@blp.route("/clients/<int:client_id>/messages/read")
class ClientMessagesRead(MethodView):
    @blp.auth(COACH_ROLES)
    @blp.arguments(MessagesReadSchema)
    @blp.response(200, MessagesReadAnswerSchema)
    @blp.errors(400, 404)
    def post(self, data, client_id):
        """Mark the client's messages read, up to one

        Marks the client's unread messages of the thread with ids up to `up_to_id`
        (for every coach of the academy).
        """
        return service.mark_read(current_user(), data["up_to_id"], client_id)


@blp.route("/messages/<int:message_id>")
class MessageById(MethodView):
    @blp.auth(COACH_ROLES)
    @blp.response(200, MessageSchema)
    @blp.errors(404)
    def get(self, message_id):
        """Read one message of a client's thread"""
        return service.read_message(current_user(), message_id)


@blp.route("/me/messages")
class MyMessages(MethodView):
    @blp.auth(CLIENT_ROLES)
    @blp.arguments(MessageQuerySchema, location="query")
    @blp.paginate()
    @blp.response(200, MessageSchema(many=True))
    @blp.errors(404)
    def get(self, query, pagination_parameters):
        """Read the caller's thread with the coaches, newest first (client app)

        `check_in_id` keeps the messages about one of the caller's check-ins.
        """
        stmt = service.thread(current_user(), check_in_id=query.get("check_in_id"))
        return paginate(stmt, pagination_parameters)

    @blp.auth(CLIENT_ROLES)
    @blp.idempotent()
    @blp.arguments(MessageCreateSchema)
    @blp.response(201, MessageSchema, location=True)
    @blp.errors(400, 413)
    def post(self, data):
        """Write to the coaches (client app)

        Optionally about one of the caller's check-ins (`check_in_id`).
        """
        message = service.post_message(current_user(), data)
        return message, 201, location("messages.MyMessageById", message_id=message.id)


@blp.route("/me/messages/read")
class MyMessagesRead(MethodView):
    @blp.auth(CLIENT_ROLES)
    @blp.arguments(MessagesReadSchema)
    @blp.response(200, MessagesReadAnswerSchema)
    @blp.errors(400)
    def post(self, data):
        """Mark the coaches' messages read, up to one (client app)"""
        return service.mark_read(current_user(), data["up_to_id"])


@blp.route("/me/messages/<int:message_id>")
class MyMessageById(MethodView):
    @blp.auth(CLIENT_ROLES)
    @blp.response(200, MessageSchema)
    @blp.errors(404)
    def get(self, message_id):
        """Read one message of the caller's thread (client app)"""
        return service.read_message(current_user(), message_id)
