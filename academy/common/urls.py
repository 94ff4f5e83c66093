"""The absolute addresses the API hands out (the calendar feed's; signed downloads)."""

from flask import current_app, request


def public_url(path: str) -> str:
    """The address at which clients reach ``path`` (as ``url_for`` writes it, from the
    root): under PUBLIC_URL when it is set, so that no request's Host header ever
    reaches a link; otherwise under the request's scheme and host, which are the
    trusted proxy's forwarded ones behind it (``operations.requests``)."""
    base = current_app.config["PUBLIC_URL"] or request.host_url
    return base.rstrip("/") + path
