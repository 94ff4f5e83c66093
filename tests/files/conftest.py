"""Fixtures of the files suite: exercises to add media to, a check-in for a form-check
video, uploads, the storage's keys, and a real S3-compatible server (nanio) that the
tests marked `s3` keep their files in."""

import io

import pytest

from academy.extensions import db
from academy.files import storage as files
from tests.checkins.conftest import make_exercise, post_check_in
from tests.files.samples import mp4, picture
from tests.servers import s3_server, s3_settings


def add_media(http, actor, exercise_id: int, data: bytes, kind: str = "image", **fields):
    """POST a file as an exercise's media; ``name`` is the file name sent."""
    name = fields.pop("name", "upload.bin")
    body = {"file": (io.BytesIO(data), name), "kind": kind, **fields}
    return http.post(
        f"/api/v1/exercises/{exercise_id}/media",
        data=body,
        content_type="multipart/form-data",
        headers=actor.headers,
    )


def attach_video(http, actor, check_in_id: int, data: bytes | None = None, **fields):
    """POST a form-check video to a check-in; answers the response."""
    name = fields.pop("name", "form.mp4")
    body = {"file": (io.BytesIO(mp4() if data is None else data), name), **fields}
    response = http.post(
        f"/api/v1/me/check-ins/{check_in_id}/media",
        data=body,
        content_type="multipart/form-data",
        headers=actor.headers,
    )
    return response


def keys(app) -> set[str]:
    """Every key of the app's storage."""
    with app.app_context():
        return set(files.storage().keys())


@pytest.fixture
def own_exercise(academy):
    return make_exercise(academy.id, "Heel Drops", "strength").id


@pytest.fixture
def global_exercise():
    return make_exercise(None, "All 4s Pelvic Tucks", "position").id


@pytest.fixture
def foreign_exercise(other_academy):
    return make_exercise(other_academy.id, "Tibialis Raises", "strength").id


@pytest.fixture
def my_check_in(http, client_user) -> int:
    return post_check_in(http, client_user, {"date": "2026-03-02"}).get_json()["id"]


@pytest.fixture
def image() -> bytes:
    return picture("JPEG", (1200, 900), gps=True)


@pytest.fixture
def empty_storage(app):
    """The suite's folder storage, emptied before and after the test."""

    def empty():
        with app.app_context():
            store = files.storage()
            for key in list(store.keys()):
                store.delete(key)

    empty()
    yield
    empty()


# --- a real S3-compatible server ----------------------------------------------------------


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nanio")
    with s3_server(folder / "data", folder / "nanio.log") as endpoint:
        yield endpoint


@pytest.fixture
def on_s3(app, s3_endpoint):
    """The suite's app keeps its files in a bucket of the S3 server for the test (a
    bucket of its own, made empty); answers the storage."""
    settings = s3_settings(s3_endpoint, bucket="academy-suite")
    config = {**app.config, **settings}
    store = files.S3Storage("academy-suite", "files/", config)
    store.prepare()
    for key in list(store.keys()):
        store.delete(key)
    before = app.extensions[files.EXTENSION], {k: app.config.get(k) for k in settings}
    app.extensions[files.EXTENSION] = store
    app.config.update(settings)
    try:
        yield store
    finally:
        db.session.rollback()
        app.extensions[files.EXTENSION] = before[0]
        app.config.update(before[1])
