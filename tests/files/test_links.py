"""The links to a folder's files (``GET /files/<key>``): each serves its one file until
its time, and anything else is a clear 4xx."""

import time
from types import SimpleNamespace
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from academy.files import routes
from tests.conftest import problem_of
from tests.files.conftest import add_media
from tests.files.samples import mp4, picture


@pytest.fixture(autouse=True)
def _empty(empty_storage):
    return empty_storage


@pytest.fixture
def two_links(http, coach, own_exercise) -> tuple[str, str]:
    first = add_media(http, coach, own_exercise, mp4(10_000), kind="video").get_json()
    second = add_media(http, coach, own_exercise, picture()).get_json()
    return first["url"], second["url"]


def _parts(url: str) -> tuple[str, dict]:
    parts = urlsplit(url)
    return parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}


def _get(http, path: str, query: dict, **kwargs):
    return http.get(f"{path}?{urlencode(query)}", **kwargs)


class TestALink:
    def test_it_serves_its_file_privately_and_in_ranges(self, http, two_links):
        path, query = _parts(two_links[0])

        whole = _get(http, path, query)
        part = _get(http, path, query, headers={"Range": "bytes=0-99"})

        assert whole.status_code == 200 and whole.data == mp4(10_000)
        assert whole.mimetype == "video/mp4"
        assert whole.headers["Cache-Control"].startswith("private, max-age=")
        assert whole.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in whole.headers["Content-Security-Policy"]
        assert part.status_code == 206 and part.data == mp4(10_000)[:100]

    def test_after_its_time_it_is_403(self, http, two_links, monkeypatch):
        path, query = _parts(two_links[0])
        later = int(query["expires"]) + 1
        monkeypatch.setattr(routes, "time", SimpleNamespace(time=lambda: later))

        response = _get(http, path, query)

        assert "expired" in problem_of(response, 403)["detail"]

    def test_it_works_at_least_file_url_seconds(self, app, http, two_links):
        _, query = _parts(two_links[0])

        assert int(query["expires"]) >= time.time() + app.config["FILE_URL_SECONDS"] - 5

    def test_for_another_file_it_is_403(self, http, two_links):
        _, video_query = _parts(two_links[0])
        picture_path, _ = _parts(two_links[1])

        response = _get(http, picture_path, video_query)

        problem_of(response, 403)

    def test_a_later_time_written_into_it_is_403(self, http, two_links):
        path, query = _parts(two_links[0])

        response = _get(http, path, {**query, "expires": int(query["expires"]) + 86_400})

        problem_of(response, 403)

    @pytest.mark.parametrize(
        "query",
        [{}, {"expires": "soon", "signature": "x"}, {"expires": "9" * 40, "signature": "x"}],
    )
    def test_without_a_time_and_signature_it_is_403(self, http, two_links, query):
        path, _ = _parts(two_links[0])

        problem_of(_get(http, path, query), 403)

    @pytest.mark.parametrize("path", ["/files/../../etc/passwd", "/files/%2e%2e/academy.db"])
    def test_a_path_out_of_the_storage_is_a_4xx(self, http, path):
        response = http.get(f"{path}?expires=9999999999&signature=x")

        assert response.status_code in (403, 404)

    def test_a_removed_file_is_404(self, app, http, two_links):
        path, query = _parts(two_links[1])
        with app.app_context():
            from academy.files.storage import storage

            storage().delete(path.removeprefix("/files/"))

        problem_of(_get(http, path, query), 404)
