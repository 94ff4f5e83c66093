"""Ready-made JSON responses for the heavy reads.

flask-smorest passes a returned Response through untouched, so a view can keep its
``@blp.response`` schema for the OpenAPI document while building the body itself.
Tests check that such bodies have exactly the schema's fields.
"""

import orjson
from flask import Response, url_for

# Dates are the only non-JSON values in these bodies; str() gives YYYY-MM-DD, as the
# schemas write them. orjson writes a whole program several times faster than json.
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME


def json_response(body, status: int = 200, headers: dict | None = None) -> Response:
    text = orjson.dumps(body, default=str, option=_OPTIONS)
    return Response(text, status=status, headers=headers, mimetype="application/json")


def location(endpoint: str, **values) -> dict[str, str]:
    """``Location`` for a 201: the address of what was created (``endpoint`` with its id)."""
    return {"Location": url_for(endpoint, **values)}
