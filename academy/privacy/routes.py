"""The caller's data: export it, or (a client) erase it."""

from flask.views import MethodView

from academy.common.auth import current_account
from academy.common.blueprint import Blueprint
from academy.privacy import service
from academy.privacy.schemas import EraseSchema, ExportSchema

blp = Blueprint("privacy", __name__, url_prefix="/api/v1", description="Privacy")


@blp.route("/me/export")
class MyExport(MethodView):
    @blp.auth()
    @blp.response(200, ExportSchema)
    def get(self):
        """Everything the service holds about the caller, as JSON

        For a client: account, profile, assignments, check-ins (each with its
        form-check videos, as signed links), the assessments shared with them (never
        the coach's private notes), their activities with the original files, and what
        they wrote.
        """
        return service.export(current_account())


@blp.route("/me")
class MyAccount(MethodView):
    @blp.auth()
    @blp.arguments(EraseSchema)
    @blp.response(204)
    @blp.errors(400)
    @blp.problem(403, "Only client accounts are erased here")
    def delete(self, data):
        """Erase the calling client's personal data

        Needs the password. Name, email, password, goals and every free-text note
        are erased, and uploaded activities and form-check videos with their files;
        check-ins and
        assessments stay as anonymous figures in the coach's history; every token
        stops working.
        """
        service.erase_client(current_account(), data["password"])
