"""Where original files are kept: a folder (``FILE_STORAGE_PATH``, by default
``files`` in the instance folder), under keys the database holds.

A file is written when its request writes its row; the request's rollback removes it
again. A file whose row goes is removed once the transaction commits, so a failed
request never loses a file that its row still names.
"""

import os
import tempfile
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

_ON_COMMIT, _ON_ROLLBACK = "academy_files_on_commit", "academy_files_on_rollback"


def upload_limit(config) -> int:
    """The largest body of an activity upload: its file and the multipart's frame."""
    return config["ACTIVITY_MAX_BYTES"] + 64 * 1024


def root() -> Path:
    configured = current_app.config.get("FILE_STORAGE_PATH")
    return Path(configured) if configured else Path(current_app.instance_path) / "files"


def _path(key: str) -> Path:
    path = (root() / key).resolve()
    if root().resolve() not in path.parents:
        raise ValueError(f"A key outside the storage: {key!r}")
    return path


def save(session: Session, key: str, data: bytes) -> None:
    """Write ``data`` under ``key`` (atomically), to be removed if ``session`` rolls back."""
    path = _path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)
    os.replace(temporary, path)
    session.info.setdefault(_ON_ROLLBACK, []).append(path)


def read(key: str) -> bytes | None:
    try:
        return _path(key).read_bytes()
    except FileNotFoundError:
        return None


def remove_after_commit(session: Session, key: str) -> None:
    session.info.setdefault(_ON_COMMIT, []).append(_path(key))


def _remove(paths) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


@sa.event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    session.info.pop(_ON_ROLLBACK, None)
    _remove(session.info.pop(_ON_COMMIT, []))


@sa.event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_ON_COMMIT, None)
    _remove(session.info.pop(_ON_ROLLBACK, []))
