"""ETags from version counters, and the If-Match rules for writes.

A GET answers ``ETag: "<version>"``; a PUT, PATCH or DELETE must send it back in
``If-Match`` (428 without it, 412 when it is not the current version).
"""

from flask import request

from academy.errors import PreconditionFailed, PreconditionRequired


def etag(obj) -> str:
    return f'"{obj.version}"'


def etag_header(obj) -> dict[str, str]:
    return {"ETag": etag(obj)}


def if_match() -> int | None:
    """The version the client says it holds; ``None`` for ``If-Match: *``."""
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequired("Send If-Match with the ETag from your last read.")
    value = header.strip()
    if value == "*":
        return None
    value = value.removeprefix("W/").strip('"')
    if not value.isdigit():
        raise PreconditionFailed("If-Match does not match the current version.")
    return int(value)


def check_version(obj, expected: int | None) -> None:
    if expected is not None and obj.version != expected:
        raise PreconditionFailed("Someone changed this resource since you read it; fetch it again.")
