"""The storage on a real S3-compatible server (nanio, started by the suite) beside the
folder: the same streamed put, get, delete and look-up; presigned links that stop at
their time and serve only their object; uploads, erasure and activity files kept in
the bucket; the command that moves a folder's files there; and an outage answered 503.
"""

import io
import os
import time
import urllib.error
import urllib.request

import pytest

from academy.checkins.models import CheckInMedia
from academy.exercises.models import ExerciseMedia
from academy.files import storage as files
from tests.conftest import PASSWORD, count_rows, problem_of
from tests.files.conftest import add_media, attach_video
from tests.files.samples import mp4, picture
from tests.servers import s3_settings

pytestmark = pytest.mark.s3


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def pattern(offset: int, count: int) -> bytes:
    """``count`` bytes of a repeating pattern, from ``offset``."""
    return (bytes(range(251)) * (count // 251 + 2))[offset % 251 : offset % 251 + count]


def expected(size: int) -> bytes:
    return pattern(0, size)


class Pieces(io.RawIOBase):
    """``size`` bytes of the pattern, made as they are read: never all in memory."""

    def __init__(self, size: int):
        self.left, self.sent = size, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        count = min(len(buffer), self.left)
        buffer[:count] = pattern(self.sent, count)
        self.left -= count
        self.sent += count
        return count


@pytest.fixture(params=["folder", "s3"])
def store(request, app, tmp_path):
    if request.param == "folder":
        yield files.FolderStorage(tmp_path / "files", "secret")
        return
    endpoint = request.getfixturevalue("s3_endpoint")
    store = files.S3Storage("contract", "p/", {**app.config, **s3_settings(endpoint)})
    store.prepare()
    yield store
    for key in list(store.keys()):
        store.delete(key)


class TestOneInterface:
    def test_put_get_size_keys_and_delete_stream_on_both(self, app, store):
        size = 20 * 1024 * 1024 + 17  # more than two of S3's multipart parts

        store.put("a/b/large.bin", io.BufferedReader(Pieces(size)), "application/octet-stream")
        store.put("a/small.png", io.BytesIO(b"png"), "image/png")

        assert store.size("a/b/large.bin") == size and store.exists("a/small.png")
        assert sorted(store.keys("a/")) == ["a/b/large.bin", "a/small.png"]
        with store.open("a/b/large.bin") as stream:
            assert stream.read(1000) == expected(1000)
        assert store.read("a/b/large.bin") == expected(size)
        store.delete("a/b/large.bin")
        store.delete("a/b/large.bin")  # nothing to delete: nothing happens
        assert store.open("a/b/large.bin") is None and store.size("a/b/large.bin") is None
        assert not store.exists("a/b/large.bin") and list(store.keys("a/b")) == []

    @pytest.mark.parametrize("key", ["../escape", "/etc/passwd", "a/../../b", ".hidden", "A B"])
    def test_a_key_academy_would_not_make_is_refused(self, store, key):
        with pytest.raises(ValueError):
            store.put(key, io.BytesIO(b"x"), "text/plain")


class TestPresignedLinks:
    @pytest.fixture
    def bucket(self, app, s3_endpoint):
        store = files.S3Storage("links", "", {**app.config, **s3_settings(s3_endpoint)})
        store.prepare()
        store.put("exercises/1/2/a.png", io.BytesIO(b"first"), "image/png")
        store.put("exercises/1/2/b.png", io.BytesIO(b"second"), "image/png")
        return store

    def test_a_link_serves_its_object_until_it_expires(self, app, bucket):
        with app.test_request_context():
            link = bucket.url("exercises/1/2/a.png")

        assert get(link) == (200, b"first")

    def test_a_link_after_its_time_is_403(self, bucket):
        now = int(time.time())

        status, body = get(bucket.signed_url("exercises/1/2/a.png", now - 120, now - 60))

        assert status == 403 and b"expired" in body

    def test_a_link_for_another_object_is_403(self, app, bucket):
        with app.test_request_context():
            link = bucket.url("exercises/1/2/a.png")

        assert get(link.replace("/a.png", "/b.png"))[0] == 403

    def test_links_in_one_window_are_the_same(self, app, bucket):
        with app.test_request_context():
            links = {bucket.url("exercises/1/2/a.png") for _ in range(3)}

        assert len(links) == 1


class TestUploadsOnS3:
    def test_a_picture_goes_to_the_bucket_and_its_links_are_presigned(
        self, app, http, coach, on_s3, s3_endpoint
    ):
        from tests.checkins.conftest import make_exercise

        exercise = make_exercise(coach.academy_id, "Heel Drops", "strength").id

        media = add_media(http, coach, exercise, picture(gps=True)).get_json()

        assert media["url"].startswith(f"{s3_endpoint}/academy-suite/files/exercises/")
        status, data = get(media["url"])
        assert status == 200 and len(data) == media["bytes"] and b"Exif" not in data
        assert get(media["thumbnail_url"])[0] == 200
        assert len(list(on_s3.keys())) == 2
        http.delete(f"/api/v1/exercises/{exercise}/media/{media['id']}", headers=coach.headers)
        assert list(on_s3.keys()) == [] and get(media["url"])[0] == 404

    def test_erasure_removes_the_clients_videos_from_the_bucket(
        self, app, http, client_user, on_s3
    ):
        from tests.checkins.conftest import post_check_in

        check_in = post_check_in(http, client_user, {"date": "2026-03-02"}).get_json()["id"]
        attach_video(http, client_user, check_in, mp4(50_000))
        assert len(list(on_s3.keys())) == 1

        http.delete("/api/v1/me", json={"password": PASSWORD}, headers=client_user.headers)

        assert list(on_s3.keys()) == [] and count_rows(CheckInMedia) == 0

    def test_an_activity_file_is_kept_and_exported_from_the_bucket(
        self, app, http, client_user, on_s3
    ):
        from tests.activities.conftest import file_bytes, upload

        data = file_bytes("ten-k.fit")

        assert upload(http, client_user, data).status_code == 201

        (key,) = list(on_s3.keys())
        assert key.startswith(f"activities/{client_user.academy_id}/{client_user.id}/")
        export = http.get("/api/v1/me/export", headers=client_user.headers).get_json()
        assert export["activities"][0]["file"]["size"] == len(data)
        assert export["activities"][0]["file"]["content_base64"]

    def test_a_store_that_does_not_answer_is_503_and_nothing_is_stored(
        self, app, http, coach, on_s3, monkeypatch
    ):
        from tests.checkins.conftest import make_exercise

        exercise = make_exercise(coach.academy_id, "Heel Drops", "strength").id
        away = {**app.config, **s3_settings("http://127.0.0.1:9"), "S3_TIMEOUT_SECONDS": 1}
        monkeypatch.setitem(app.extensions, files.EXTENSION, files.S3Storage("x", "", away))

        response = add_media(http, coach, exercise, picture())

        problem_of(response, 503)
        assert response.headers["Retry-After"] == "5"
        assert count_rows(ExerciseMedia) == 0


class TestMovingAFoldersFiles:
    def test_files_move_to_the_bucket_once_and_are_read_from_there(
        self, app, tmp_path, on_s3, monkeypatch
    ):
        old = tmp_path / "old-files"
        for key, data in {
            "activities/1/2/run.fit": b"fit file",
            "activities/1/3/run.gpx": b"<gpx/>",
        }.items():
            (old / key).parent.mkdir(parents=True, exist_ok=True)
            (old / key).write_bytes(data)
        (old / "activities" / ".upload-unfinished").write_bytes(b"half")
        monkeypatch.setitem(app.config, "FILE_STORAGE_PATH", str(old))
        runner = app.test_cli_runner()

        first = runner.invoke(args=["academy", "move-files"])
        again = runner.invoke(args=["academy", "move-files", "--remove"])

        assert "2 copied, 0 already there, 0 removed" in first.output, first.output
        assert "0 copied, 2 already there, 2 removed" in again.output, again.output
        with app.app_context():
            from academy.activities import storage

            assert storage.read("activities/1/2/run.fit") == b"fit file"
        assert sorted(on_s3.keys()) == ["activities/1/2/run.fit", "activities/1/3/run.gpx"]
        assert [p.name for p in old.rglob("*") if p.is_file()] == [".upload-unfinished"]

    def test_prepare_storage_makes_the_bucket_once(self, app, s3_endpoint, monkeypatch):
        settings = s3_settings(s3_endpoint, bucket=f"fresh-{os.getpid()}")
        store = files.S3Storage(settings["FILE_STORAGE_URL"][5:].split("/")[0], "", {
            **app.config, **settings,
        })  # fmt: skip
        monkeypatch.setitem(app.extensions, files.EXTENSION, store)
        runner = app.test_cli_runner()

        outputs = [runner.invoke(args=["academy", "prepare-storage"]).output for _ in range(2)]

        assert outputs[0] == outputs[1] == f"File storage ready: {store.description}\n"
        store.put("a.txt", io.BytesIO(b"x"), "text/plain")
        assert store.read("a.txt") == b"x"
