"""Fixtures of the activities suite: a frozen clock, the shipped files, and uploads."""

import io
from pathlib import Path

import pytest

from academy.activities import storage
from tests.programs.conftest import catalogue, catalogue_entries, ex, freeze_now  # noqa: F401

FILES = Path(__file__).parent / "files"
NOW = "2026-03-11T12:00:00Z"  # a Wednesday; the files ran on Tuesday and Wednesday morning


@pytest.fixture(autouse=True)
def clock(freeze_now):  # noqa: F811
    freeze_now(NOW)
    return freeze_now


@pytest.fixture
def stored(app):
    """The files kept in the storage, by path."""

    def files() -> dict[str, bytes]:
        with app.app_context():
            root = storage.root()
        return {
            str(p.relative_to(root)): p.read_bytes()
            for p in root.rglob("*")
            if p.is_file() and not p.name.startswith(".")
        }

    return files


def _empty(app) -> None:
    with app.app_context():
        root = storage.root()
    for path in sorted(root.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()


@pytest.fixture(autouse=True)
def _empty_storage(app):
    """The storage is shared by the suite: empty before and after each test here."""
    _empty(app)
    yield
    _empty(app)


def file_bytes(name: str) -> bytes:
    return (FILES / name).read_bytes()


def upload(http, actor, data: bytes, name: str = "run.fit", **fields):
    return http.post(
        "/api/v1/me/activities",
        data={"file": (io.BytesIO(data), name), **{k: str(v) for k, v in fields.items()}},
        headers=actor.headers,
        content_type="multipart/form-data",
    )
