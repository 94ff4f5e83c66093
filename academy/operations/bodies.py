"""Request bodies sent in chunks are held to ``MAX_CONTENT_LENGTH`` like any other.

Flask refuses a body whose ``Content-Length`` is too large with 413. A chunked body
has no length up front: werkzeug stops reading at the limit and hands the app the
first ``MAX_CONTENT_LENGTH`` bytes, which then fail as malformed JSON (400). This
middleware reads such a body first, one byte past the limit at most, and gives it to
the app with the length it read: a body over the limit then meets Flask's own check
and its 413, like one that announced its length.
"""

import io


class BoundedBodies:
    def __init__(self, app, max_content_length: int | None, larger: dict[str, int] | None = None):
        # ``larger``: paths whose bodies may be larger (file uploads), with their bound.
        self.app, self.limit, self.larger = app, max_content_length, larger or {}

    def __call__(self, environ, start_response):
        # As werkzeug reads it: chunked encoding overrides any Content-Length.
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        limit = self.larger.get(environ.get("PATH_INFO", ""), self.limit)
        if limit is not None and chunked and environ.get("wsgi.input_terminated"):
            body = environ["wsgi.input"].read(limit + 1)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            # Read in full: from here on it is a body of known length.
            environ.pop("HTTP_TRANSFER_ENCODING", None)
            environ.pop("wsgi.input_terminated", None)
        return self.app(environ, start_response)
