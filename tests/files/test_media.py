"""An exercise's pictures and videos: added by the academy's coaches to its own
exercises, typed from their bytes, bounded, cleaned, listed, removed with their files,
and carried by the exercise's answers as signed links."""

import io
import struct
import zipfile
import zlib
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from PIL import Image

from academy.exercises import service
from academy.exercises.models import ExerciseMedia
from academy.exercises.schemas import ExerciseSchema
from academy.extensions import db
from academy.files.schemas import MediaSchema
from tests.conftest import assert_shape, count_rows, problem_of
from tests.files.conftest import add_media, keys
from tests.files.samples import mp4, picture, webm


def fetch(http, url: str, **kwargs):
    """Follow a link the API handed out to a folder's file (the app serves it)."""
    parts = urlsplit(url)
    return http.get(f"{parts.path}?{parts.query}", **kwargs)


def apng() -> bytes:
    frames = [Image.new("RGB", (32, 32), colour) for colour in ("red", "blue")]
    out = io.BytesIO()
    frames[0].save(out, "PNG", save_all=True, append_images=frames[1:])
    return out.getvalue()


def png_bomb(side: int = 30_000) -> bytes:
    """A PNG of side x side grey pixels: a few dozen kilobytes that decode to gigabytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = zlib.compress(b"\x00" * (side + 1) * 64, 9)  # the first rows only
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.jpg", b"\x00" * 50_000_000)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _empty(empty_storage):
    return empty_storage


class TestAddMedia:
    def test_a_picture_is_kept_upright_without_its_metadata_and_with_a_thumbnail(
        self, app, http, coach, own_exercise, image
    ):
        response = add_media(http, coach, own_exercise, image, caption=" From the side ")

        assert response.status_code == 201, response.get_data(True)
        body = response.get_json()
        assert_shape({**body, "thumbnail_url": body["thumbnail_url"]}, MediaSchema())
        assert body["kind"] == "image" and body["content_type"] == "image/jpeg"
        assert body["caption"] == "From the side"
        kept = fetch(http, body["url"])
        assert kept.status_code == 200 and kept.mimetype == "image/jpeg"
        assert body["bytes"] == len(kept.data)
        stored = Image.open(io.BytesIO(kept.data))
        assert stored.size == (1200, 900)
        assert not stored.getexif() and "comment" not in stored.info
        assert b"PhoneMaker" not in kept.data and b"Exif" not in kept.data
        thumbnail = Image.open(io.BytesIO(fetch(http, body["thumbnail_url"]).data))
        assert thumbnail.size == (480, 360)
        found = http.get(response.headers["Location"], headers=coach.headers)
        assert found.get_json()["id"] == body["id"]

    @pytest.mark.parametrize(
        ("data", "content_type"),
        [
            (picture("PNG", (300, 200), mode="RGBA"), "image/png"),
            (picture("WEBP", (300, 200)), "image/webp"),
            (picture("JPEG", (200, 300), mode="CMYK"), "image/jpeg"),
        ],
    )
    def test_png_webp_and_cmyk_jpeg_pictures_are_taken(
        self, http, coach, own_exercise, data, content_type
    ):
        response = add_media(http, coach, own_exercise, data)

        assert response.status_code == 201, response.get_data(True)
        assert response.get_json()["content_type"] == content_type
        thumbnail = fetch(http, response.get_json()["thumbnail_url"])
        assert max(Image.open(io.BytesIO(thumbnail.data)).size) <= 300

    @pytest.mark.parametrize(
        ("data", "content_type"),
        [(mp4(), "video/mp4"), (webm(), "video/webm"), (webm(unknown_size=True), "video/webm")],
    )
    def test_a_video_is_kept_as_sent(self, app, http, coach, own_exercise, data, content_type):
        response = add_media(http, coach, own_exercise, data, kind="video")

        assert response.status_code == 201, response.get_data(True)
        body = response.get_json()
        assert (body["kind"], body["content_type"], body["bytes"]) == (
            "video",
            content_type,
            len(data),
        )
        assert body["thumbnail_url"] is None
        assert fetch(http, body["url"]).data == data

    def test_the_type_comes_from_the_bytes_never_the_name_or_the_content_type(
        self, app, http, coach, own_exercise
    ):
        body = {
            "file": (io.BytesIO(picture("PNG")), "clip.mp4", "video/mp4"),
            "kind": "image",
        }
        response = http.post(
            f"/api/v1/exercises/{own_exercise}/media", data=body, headers=coach.headers
        )

        assert response.get_json()["content_type"] == "image/png"
        assert {key.rpartition(".")[2] for key in keys(app)} == {"png"}

    def test_a_path_in_the_file_name_changes_nothing(self, app, http, coach, own_exercise):
        response = add_media(http, coach, own_exercise, picture(), name="../../../../tmp/owned.jpg")

        assert response.status_code == 201
        stored = keys(app)
        assert len(stored) == 2
        for key in stored:
            assert key.startswith(f"exercises/{coach.academy_id}/{own_exercise}/")
            assert "owned" not in key and ".." not in key

    @pytest.mark.parametrize(
        ("data", "kind", "message"),
        [
            (picture(), "video", "The file is a picture, not a video."),
            (mp4(), "image", "The file is a video, not a picture."),
            (b"GIF89a" + b"\x00" * 100, "image", "Not a file Academy takes"),
            (b"%PDF-1.7\n" + b"0" * 100, "image", "Not a file Academy takes"),
            (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image", "Not a file Academy takes"),
            (zip_bomb(), "image", "Not a file Academy takes"),
            (b"\xff\xd8\xff\xe0" + b"\x00" * 64, "image", "cannot be read whole"),
            (picture()[:-400], "image", "cannot be read whole"),
            (apng(), "image", "An animated picture is not taken"),
            (mp4()[:-100], "video", "cut short"),
            (webm()[:-100], "video", "cut short"),
            (mp4() + b"trailing", "video", "cut short"),
            (mp4() + b"\x00\x00\x00\x09ab\x01de", "video", "not an MP4 box"),
            (webm(doc_type=b"matroska"), "video", "not a WebM video"),
            (mp4()[:40] + b"\x00" * 24, "video", ""),
        ],
        ids=[
            "picture-as-video", "video-as-picture", "gif", "pdf", "svg", "zip-bomb",
            "jpeg-header-only", "truncated-jpeg", "animated-png", "truncated-mp4",
            "truncated-webm", "mp4-with-trailing-bytes", "mp4-with-a-box-of-no-name", "matroska",
            "mp4-without-moov",
        ],
    )  # fmt: skip
    def test_bytes_that_are_not_what_they_claim_are_422_and_nothing_is_stored(
        self, app, http, coach, own_exercise, data, kind, message
    ):
        response = add_media(http, coach, own_exercise, data, kind=kind, name="ok.jpg")

        errors = problem_of(response, 422)["errors"]
        assert message in errors["file"][0]
        assert count_rows(ExerciseMedia) == 0 and keys(app) == set()

    def test_a_picture_bomb_is_413_before_it_is_decoded(self, app, http, coach, own_exercise):
        response = add_media(http, coach, own_exercise, png_bomb())

        errors = problem_of(response, 413)["errors"]
        assert "more than 40,000,000 pixels" in errors["file"][0]
        assert count_rows(ExerciseMedia) == 0 and keys(app) == set()

    def test_a_file_over_its_kinds_limit_is_413(self, app, http, coach, own_exercise, monkeypatch):
        monkeypatch.setitem(app.config, "MEDIA_IMAGE_MAX_BYTES", 1000)

        response = add_media(http, coach, own_exercise, picture())

        assert problem_of(response, 413)["errors"]["file"] == [
            "A picture may be up to 1,000 bytes."
        ]
        assert count_rows(ExerciseMedia) == 0 and keys(app) == set()

    def test_a_body_over_the_largest_file_is_413_before_it_is_read(
        self, app, http, coach, own_exercise, monkeypatch
    ):
        monkeypatch.setitem(app.config, "MEDIA_VIDEO_MAX_BYTES", 10_000)
        monkeypatch.setitem(app.config, "MEDIA_IMAGE_MAX_BYTES", 10_000)

        response = add_media(http, coach, own_exercise, mp4(200_000), kind="video")

        problem_of(response, 413)
        assert count_rows(ExerciseMedia) == 0 and keys(app) == set()

    def test_a_multipart_body_cut_short_is_a_4xx(self, app, http, coach, own_exercise):
        boundary = "academy-boundary"
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nimage\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
        ).encode() + picture()[:5000]

        response = http.post(
            f"/api/v1/exercises/{own_exercise}/media",
            data=body,
            content_type=f"multipart/form-data; boundary={boundary}",
            headers=coach.headers,
        )

        assert 400 <= problem_of(response, response.status_code)["status"] < 500
        assert count_rows(ExerciseMedia) == 0 and keys(app) == set()

    def test_the_global_catalogue_is_403(self, app, http, coach, global_exercise):
        response = add_media(http, coach, global_exercise, picture())

        assert "read-only" in problem_of(response, 403)["detail"]
        assert count_rows(ExerciseMedia) == 0 and keys(app) == set()

    def test_another_academys_exercise_is_404(self, app, http, coach, foreign_exercise):
        response = add_media(http, coach, foreign_exercise, picture())

        problem_of(response, 404)
        assert count_rows(ExerciseMedia) == 0 and keys(app) == set()

    def test_a_caption_over_500_characters_is_422(self, http, coach, own_exercise):
        response = add_media(http, coach, own_exercise, picture(), caption="x" * 501)

        assert "caption" in problem_of(response, 422)["errors"]

    def test_an_exercise_holds_a_bounded_number(self, app, http, coach, own_exercise, monkeypatch):
        monkeypatch.setattr(service, "MAX_MEDIA", 1)
        assert add_media(http, coach, own_exercise, picture()).status_code == 201

        response = add_media(http, coach, own_exercise, picture())

        problem_of(response, 409)
        assert count_rows(ExerciseMedia) == 1 and len(keys(app)) == 2

    def test_a_write_that_fails_leaves_no_file(self, app, http, coach, own_exercise):
        engine = db.engine
        error = engine.dialect.loaded_dbapi.OperationalError

        def refuse(conn, cursor, statement, parameters, context, executemany):
            if statement.startswith("INSERT INTO exercise_media"):
                raise error("the disk is full")

        sa.event.listen(engine, "before_cursor_execute", refuse)
        try:
            response = add_media(http, coach, own_exercise, picture())
        finally:
            sa.event.remove(engine, "before_cursor_execute", refuse)

        assert response.status_code >= 500
        assert count_rows(ExerciseMedia) == 0 and keys(app) == set()


class TestListAndRemoveMedia:
    def test_it_lists_the_academys_media_of_an_exercise(self, http, coach, own_exercise):
        first = add_media(http, coach, own_exercise, picture(), caption="Side").get_json()
        second = add_media(http, coach, own_exercise, mp4(), kind="video").get_json()

        response = http.get(f"/api/v1/exercises/{own_exercise}/media", headers=coach.headers)

        assert [m["id"] for m in response.get_json()] == [first["id"], second["id"]]
        assert response.headers["X-Pagination"]

    def test_another_academys_exercise_is_404(self, http, coach, foreign_exercise):
        response = http.get(f"/api/v1/exercises/{foreign_exercise}/media", headers=coach.headers)

        problem_of(response, 404)

    def test_removing_one_removes_its_files(self, app, http, coach, own_exercise):
        media = add_media(http, coach, own_exercise, picture()).get_json()

        response = http.delete(
            f"/api/v1/exercises/{own_exercise}/media/{media['id']}", headers=coach.headers
        )

        assert response.status_code == 204
        assert count_rows(ExerciseMedia) == 0 and keys(app) == set()
        assert fetch(http, media["url"]).status_code == 404

    def test_removing_from_the_global_catalogue_is_403(self, app, http, coach, global_exercise):
        row = ExerciseMedia(
            academy_id=coach.academy_id, exercise_id=global_exercise, kind="image",
            content_type="image/png", bytes=1, file_key="exercises/1/1/a.png",
        )  # fmt: skip
        db.session.add(row)
        db.session.commit()

        response = http.delete(
            f"/api/v1/exercises/{global_exercise}/media/{row.id}", headers=coach.headers
        )

        problem_of(response, 403)
        assert count_rows(ExerciseMedia) == 1


class TestExerciseAnswersCarryMedia:
    def test_the_detail_and_the_list_carry_signed_links(self, http, coach, own_exercise):
        media = add_media(http, coach, own_exercise, picture(), caption="Side").get_json()

        detail = http.get(f"/api/v1/exercises/{own_exercise}", headers=coach.headers).get_json()
        listed = http.get("/api/v1/exercises", headers=coach.headers).get_json()

        assert detail["media"] == [media]
        assert set(listed[0]) == {f.data_key or n for n, f in ExerciseSchema().fields.items()}
        assert listed[0]["media"] == [media]
        assert fetch(http, detail["media"][0]["url"]).status_code == 200

    def test_each_academy_sees_its_own_media_of_a_global_exercise(
        self, http, coach, other_academy, other_academy_coach, global_exercise
    ):
        for academy_id in (coach.academy_id, other_academy.id):
            db.session.add(ExerciseMedia(
                academy_id=academy_id, exercise_id=global_exercise, kind="image",
                content_type="image/png", bytes=1, file_key=f"exercises/{academy_id}/a.png",
            ))  # fmt: skip
        db.session.commit()

        mine = http.get(f"/api/v1/exercises/{global_exercise}", headers=coach.headers)
        theirs = http.get(
            f"/api/v1/exercises/{global_exercise}", headers=other_academy_coach.headers
        )

        assert [urlsplit(m["url"]).path for m in mine.get_json()["media"]] == [
            f"/files/exercises/{coach.academy_id}/a.png"
        ]
        assert [urlsplit(m["url"]).path for m in theirs.get_json()["media"]] == [
            f"/files/exercises/{other_academy.id}/a.png"
        ]

    def test_a_conditional_read_stays_304_while_the_links_work(self, http, coach, own_exercise):
        add_media(http, coach, own_exercise, picture())
        first = http.get(f"/api/v1/exercises/{own_exercise}", headers=coach.headers)

        again = http.get(
            f"/api/v1/exercises/{own_exercise}",
            headers={**coach.headers, "If-None-Match": first.headers["ETag"]},
        )

        assert again.status_code == 304


class TestChunkedUploads:
    """A body sent in chunks (no Content-Length; gunicorn marks it terminated) is
    spooled to disk past 1 MB and meets the same bounds."""

    def _post_chunked(self, http, coach, exercise_id, data: bytes, kind: str):
        from werkzeug.datastructures import FileStorage
        from werkzeug.test import encode_multipart

        boundary, body = encode_multipart(
            {"file": FileStorage(io.BytesIO(data), filename="clip"), "kind": kind}
        )
        return http.post(
            f"/api/v1/exercises/{exercise_id}/media",
            input_stream=io.BytesIO(body),
            content_type=f"multipart/form-data; boundary={boundary}",
            headers={**coach.headers, "Transfer-Encoding": "chunked"},
            environ_overrides={"wsgi.input_terminated": True},
        )

    def test_a_video_sent_in_chunks_is_kept(self, app, http, coach, own_exercise):
        video = mp4(3 * 1024 * 1024)

        response = self._post_chunked(http, coach, own_exercise, video, "video")

        assert response.status_code == 201, response.get_data(True)
        assert fetch(http, response.get_json()["url"]).data == video

    def test_one_over_the_largest_bound_is_413(self, app, http, coach, own_exercise, monkeypatch):
        monkeypatch.setitem(app.config, "MEDIA_VIDEO_MAX_BYTES", 100_000)
        monkeypatch.setitem(app.config, "MEDIA_IMAGE_MAX_BYTES", 100_000)

        response = self._post_chunked(http, coach, own_exercise, mp4(300_000), "video")

        problem_of(response, 413)
        assert count_rows(ExerciseMedia) == 0 and keys(app) == set()
