"""Request bodies sent in chunks are held to the same bounds as any other.

Flask refuses a body whose ``Content-Length`` is over the request's bound
(``MAX_CONTENT_LENGTH``, or the larger one an upload route sets) with 413. A chunked
body has no length up front: werkzeug stops reading at the bound and hands the app the
first bytes, which then fail as malformed JSON (400). This middleware reads such a body
first, at most one byte past the largest bound of any route, and gives it to the app
with the length it read: the body then meets Flask's own check against its route's
bound, and its 413, like one that announced its length. The body is held in memory up
to ``SPOOL`` bytes and on disk beyond (an upload may be a 200 MB video).
"""

import tempfile

SPOOL = 1024 * 1024


class BoundedBodies:
    def __init__(self, app, largest: int | None):
        # ``largest``: the largest body any route takes (None: bodies are not bounded).
        self.app, self.largest = app, largest

    def __call__(self, environ, start_response):
        # As werkzeug reads it: chunked encoding overrides any Content-Length.
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if self.largest is not None and chunked and environ.get("wsgi.input_terminated"):
            # The request's body from here on: it goes with the request.
            body = tempfile.SpooledTemporaryFile(max_size=SPOOL)  # noqa: SIM115
            source, left = environ["wsgi.input"], self.largest + 1
            while left > 0 and (piece := source.read(min(left, SPOOL))):
                body.write(piece)
                left -= len(piece)
            length = body.tell()
            body.seek(0)
            environ["wsgi.input"] = body
            environ["CONTENT_LENGTH"] = str(length)
            # Read in full: from here on it is a body of known length.
            environ.pop("HTTP_TRANSFER_ENCODING", None)
            environ.pop("wsgi.input_terminated", None)
        return self.app(environ, start_response)
