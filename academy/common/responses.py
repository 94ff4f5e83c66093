"""Ready-made JSON responses for the heavy reads.

flask-smorest passes a returned Response through untouched, so a view can keep its
``@blp.response`` schema for the OpenAPI document while building the body itself.
Tests check that such bodies have exactly the schema's fields.
"""

import json

from flask import Response, url_for


def json_response(body, status: int = 200, headers: dict | None = None) -> Response:
    # Dates are the only non-JSON values in these bodies; str() gives YYYY-MM-DD.
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=str)
    return Response(text, status=status, headers=headers, mimetype="application/json")


def location(endpoint: str, **values) -> dict[str, str]:
    """``Location`` for a 201: the address of what was created (``endpoint`` with its id)."""
    return {"Location": url_for(endpoint, **values)}
