"""ETags: of versions for what can be written, of contents for the client app's reads;
and what a cache may do with an answer.

A GET of a versioned resource answers ``ETag: "<version>"``; a PUT, PATCH or DELETE
must send it back in ``If-Match`` (428 without it, 412 when it is not the current
version). A conditional read (``answer_conditionally``) answers ``ETag`` (the version,
or a digest of what it answers) and ``Cache-Control: private, no-cache``; sent back in
``If-None-Match``, it is answered 304 with no body while nothing changed.

Every other answer of the API is ``no-store``: it holds a client's or an academy's
data (or tokens), which no cache, browser or proxy should keep.
"""

import xxhash
from flask import Response, request

from academy.errors import PreconditionFailed, PreconditionRequired

# What a cache may do with an answer. The default: keep nothing.
NO_STORE = "no-store"
# A conditional read: the device keeps it, and asks with If-None-Match before each use.
REVALIDATE = "private, no-cache"


def etag(obj) -> str:
    return f'"{obj.version}"'


def etag_header(obj) -> dict[str, str]:
    return {"ETag": etag(obj)}


def version_header(version: int) -> dict[str, str]:
    """The ETag of what is answered from rows rather than an object: its version."""
    return {"ETag": f'"{version}"'}


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


def answer_conditionally(response: Response, cache_control: str = REVALIDATE) -> Response:
    """``response`` with its ETag (a digest of its body and pages when it carries no
    version) and ``cache_control``, or 304 Not Modified (with the same two) when the
    caller already holds it."""
    if response.status_code != 200:
        return response
    if "ETag" not in response.headers:
        # A 128-bit digest, made to tell contents apart (xxh3: a 200 KB body in a few
        # microseconds), not to keep a secret: the caller already holds the body.
        digest = xxhash.xxh3_128(response.get_data())
        digest.update(response.headers.get("X-Pagination", "").encode())
        response.headers["ETag"] = f'"{digest.hexdigest()}"'
    response.headers["Cache-Control"] = cache_control
    if response.headers["ETag"] in _if_none_match():
        unchanged = Response(status=304)
        for name in ("ETag", "Cache-Control"):
            unchanged.headers[name] = response.headers[name]
        return unchanged
    return response


def _if_none_match() -> set[str]:
    header = request.headers.get("If-None-Match", "")
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}
    return tags
