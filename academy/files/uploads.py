"""An uploaded picture or video, as Academy takes it.

The multipart body has already been written to a temporary file by the form parser
(in pieces: werkzeug spools a file part to disk past 500 KB), so nothing here holds a
video in memory. Its type comes from its bytes (``sniff``), its size is bounded by that
type, a video's container is walked to its end, and a picture is read whole and
written again without metadata (``images``). A refusal names the field ``file``.
"""

import io
import uuid
from dataclasses import dataclass
from typing import IO

from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from academy.errors import ContentTooLarge, Unprocessable
from academy.files import images, sniff
from academy.files.storage import keep

# What a multipart body holds besides its file: its frame and the other fields.
FRAME = 64 * 1024


def body_limit(config) -> int:
    """The largest body any media upload takes: its largest file and the frame."""
    largest = max(
        config["MEDIA_IMAGE_MAX_BYTES"],
        config["MEDIA_VIDEO_MAX_BYTES"],
        config["FORM_CHECK_MAX_BYTES"],
    )
    return largest + FRAME


@dataclass
class Upload:
    type: sniff.Type
    stream: IO[bytes]  # what is kept, at its start
    size: int
    thumbnail: bytes | None = None


def _refused(message: str) -> Unprocessable:
    return Unprocessable("The file cannot be taken.", errors={"file": [message]})


def _size(stream: IO[bytes]) -> int:
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    return size


def _amount(limit: int) -> str:
    return f"{limit / 2**20:g} MB" if limit >= 2**20 else f"{limit:,} bytes"


_NAMES = {"image": "a picture", "video": "a video"}


def receive(file: FileStorage, limits: dict[str, int], kind: str | None, max_pixels: int) -> Upload:
    """The upload in ``file``: one of the kinds ``limits`` bounds (``image``, ``video``),
    within that kind's bound, and of ``kind`` when the sender named one."""
    stream = file.stream
    found = sniff.sniff(stream)
    if found is None or found.kind not in limits:
        accepted = [t.content_type for t in sniff.TYPES if t.kind in limits]
        raise _refused(f"Not a file Academy takes; send {', '.join(accepted)}.")
    if kind is not None and found.kind != kind:
        raise _refused(f"The file is {_NAMES[found.kind]}, not {_NAMES[kind]}.")
    size = _size(stream)
    if size > limits[found.kind]:
        bound = f"{_NAMES[found.kind].capitalize()} may be up to {_amount(limits[found.kind])}."
        raise ContentTooLarge("The file is too large.", errors={"file": [bound]})
    if found.kind == "video":
        try:
            sniff.check_video(stream, size, found)
        except sniff.Unreadable as error:
            raise _refused(str(error)) from error
        return Upload(found, stream, size)
    try:
        picture = images.clean(stream, found, max_pixels)
    except images.TooManyPixels as error:
        raise ContentTooLarge("The picture is too large.", errors={"file": [str(error)]}) from error
    except sniff.Unreadable as error:
        raise _refused(str(error)) from error
    return Upload(found, picture.clean, picture.size, picture.thumbnail)


def store(session: Session, owner: str, upload: Upload) -> tuple[str, str | None]:
    """Keep the upload (and its thumbnail) under new keys below ``owner``
    (``exercises/3/12``), removed again if ``session`` rolls back: (key, thumbnail key).
    A key is a random name with the extension of the type read from the bytes: nothing
    of the sender's file name is used."""
    name = f"{owner}/{uuid.uuid4().hex}"
    extension, content_type = upload.type.extension, upload.type.content_type
    key = f"{name}.{extension}"
    keep(session, key, upload.stream, content_type)
    thumbnail_key = None
    if upload.thumbnail is not None:
        thumbnail_key = f"{name}-{images.THUMBNAIL}.{extension}"
        keep(session, thumbnail_key, io.BytesIO(upload.thumbnail), content_type)
    return key, thumbnail_key
