"""Where original activity files are kept: the app's file storage (``academy.files``,
a folder or an S3-compatible bucket), under keys the database holds.

A file is written when its request writes its row; the request's rollback removes it
again. A file whose row goes is removed once the transaction commits, so a failed
request never loses a file that its row still names.
"""

import io
from pathlib import Path

from flask import current_app
from sqlalchemy.orm import Session

from academy.files import storage as files

# What an activity file is stored as: its bytes, whatever the format.
CONTENT_TYPE = "application/octet-stream"


def upload_limit(config) -> int:
    """The largest body of an activity upload: its file and the multipart's frame."""
    return config["ACTIVITY_MAX_BYTES"] + 64 * 1024


def root() -> Path:
    """The folder activity files were kept in before ``FILE_STORAGE_URL`` (the files of
    a ``file://`` storage by default)."""
    return files.folder(current_app)


def save(session: Session, key: str, data: bytes) -> None:
    """Write ``data`` under ``key``, to be removed if ``session`` rolls back."""
    files.keep(session, key, io.BytesIO(data), CONTENT_TYPE)


def read(key: str) -> bytes | None:
    return files.storage().read(key)


def remove_after_commit(session: Session, key: str) -> None:
    files.remove_after_commit(session, key)
