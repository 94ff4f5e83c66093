"""What the answers of several operations share."""

from flask import url_for


def location(endpoint: str, **values) -> dict[str, str]:
    """``Location`` for a 201: the address of what was created (``endpoint`` with its id)."""
    return {"Location": url_for(endpoint, **values)}
