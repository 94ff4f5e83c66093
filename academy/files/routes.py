"""The links to a folder's files: ``GET /files/<key>?expires=&signature=``.

A link is what an answer hands out for a file kept in a folder (``file://``): the key,
when it stops working, and an HMAC of both under a key derived from ``SECRET_KEY``. It
serves that one file until then and nothing else: a link past its time, or whose
signature does not match its key, is 403; a file removed since is 404. It is no API
operation (its signature is its credential), so it stays out of the API document; on
S3, links are the bucket's own presigned ones and never reach the app.
"""

import hmac
import time

from flask import Blueprint, request, send_file

from academy.errors import Forbidden, NotFound
from academy.files.storage import FolderStorage, content_type_of, storage

blp = Blueprint("files", __name__)


@blp.get("/files/<path:key>")
def download(key: str):
    store = storage()
    if not isinstance(store, FolderStorage):
        raise NotFound("Files are handed out by the object store's own links.")
    expires, signature = request.args.get("expires", ""), request.args.get("signature", "")
    if not expires.isdigit() or len(expires) > 12:
        raise Forbidden("The link is not valid: it says no time.")
    if not hmac.compare_digest(store.signature(key, int(expires)), signature):
        raise Forbidden("The link is not valid for this file.")
    remaining = int(expires) - int(time.time())
    if remaining <= 0:
        raise Forbidden("The link has expired: read what handed it out again for a new one.")
    try:
        path = store.path(key)
    except ValueError:
        raise NotFound("No such file.") from None
    if not path.is_file():
        raise NotFound("The file was removed.")
    response = send_file(path, mimetype=content_type_of(key), conditional=True, etag=True)
    # Whoever holds the link may keep the file until it expires, and no one else.
    response.headers["Cache-Control"] = f"private, max-age={remaining}"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
