"""The Blueprint every domain uses: auth, documented errors and pagination defaults."""

import flask_smorest

from academy.common.auth import require_auth
from academy.common.schemas import ProblemSchema


class Blueprint(flask_smorest.Blueprint):
    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 20, "max_page_size": 100}

    def arguments(self, schema, **kwargs):
        """flask-smorest's, with one schema instance per operation: given a class, the
        parser would build the schema and its nested schemas anew on every request."""
        if isinstance(schema, type):
            schema = schema()
        return super().arguments(schema, **kwargs)

    def auth(self, roles: tuple[str, ...] | None = None):
        """Require a bearer token (and one of ``roles``), and say so in the docs."""

        def decorator(func):
            wrapped = require_auth(roles)(func)
            # ``x-roles``: the roles that may call it (any signed-in user without).
            access = {"x-roles": list(roles)} if roles is not None else {}
            wrapped = self.doc(security=[{"bearerAuth": []}], **access)(wrapped)
            wrapped = self.alt_response(
                401, schema=ProblemSchema, description="No, unknown, expired or revoked token"
            )(wrapped)
            if roles is not None:
                wrapped = self.alt_response(
                    403, schema=ProblemSchema, description="The caller's role may not do this"
                )(wrapped)
            return wrapped

        return decorator

    def errors(self, *statuses: int):
        """Document the problem responses an operation can give besides 401/403."""
        descriptions = {
            400: "Malformed JSON",
            403: "Not allowed here",
            404: "Not found in the caller's academy",
            409: "Clashes with existing data",
            412: "If-Match does not match the current version",
            413: "Body too large",
            422: "Validation failed; `errors` names each failing field",
            428: "If-Match is required",
            429: "Too many attempts",
        }

        def decorator(func):
            for status in statuses:
                func = self.alt_response(
                    status, schema=ProblemSchema, description=descriptions[status]
                )(func)
            return func

        return decorator
